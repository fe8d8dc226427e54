#!/usr/bin/env ruby
# frozen_string_literal: true

# onechart-exporter: runs OpenNebula's Prometheus exporter (package
# opennebula-prometheus-kvm; src/oneprometheus/opennebula-exporter/src/ in
# OpenNebula's repository, installed in /usr/lib/one/opennebula_exporter/)
# with the listen address the entrypoint chose.
#
#   onechart-exporter EXPORTER           run it (supervisord, as oneadmin)
#   onechart-exporter --check EXPORTER   the image build's check (build-check.sh)
#
# The exporter has no configuration file and no option for its address: its
# opennebula_exporter.rb ends with `set :port, 9925` and `set :bind, ADDRESS`
# before `Sinatra::Application.run!` ('0.0.0.0' at release-7.0.0, '::' at
# release-7.2.0 and release-7.4.0). Sinatra's own `-o ADDRESS` option does not
# help: lib/sinatra/main.rb applies it when 'sinatra' is required, and the
# script's `set :bind` comes after. So, with ONECHART_EXPORTER_BIND set (the
# entrypoint sets 0.0.0.0 in a pod without IPv6), this evaluates the
# exporter's own source with that one line changed, under the exporter's own
# file name (its `File.dirname(__FILE__)` finds its collectors); without it,
# the source unchanged. A source without exactly one such line is refused.

# The exporter is evaluated at the top level: nothing of this file is defined
# there (a top-level `def` would add a private method to every object).
module OnechartExporter
  BIND_LINE = /^set :bind, .*$/

  module_function

  # usage: bind_source(source, bind, path) -> source   (bind nil or empty: unchanged)
  def bind_source(source, bind, path)
    lines = source.scan(BIND_LINE)
    if lines.size != 1
      abort "onechart-exporter: #{path} has #{lines.size} 'set :bind, ...' lines, not 1: " \
            'cannot choose its listen address'
    end
    return source if bind.nil? || bind.empty?

    source.sub(BIND_LINE) { "set :bind, #{bind.inspect}" }
  end

  # usage: run(path)   (evaluate the exporter as if Ruby ran it)
  def run(path)
    source = bind_source(File.read(path), ENV.fetch('ONECHART_EXPORTER_BIND', nil), path)
    ARGV.clear # Sinatra parses ARGV when required (lib/sinatra/main.rb)
    TOPLEVEL_BINDING.eval(source, path, 1)
  end

  # usage: gem_paths(root)   (what the exporter's preamble does without ONE_LOCATION)
  def gem_paths(root)
    gems = "#{root}/usr/share/one/gems"
    if File.directory?(gems)
      $LOAD_PATH.reject! { |l| l =~ /vendor_ruby/ }
      require 'rubygems'
      Gem.use_paths(File.realpath(gems))
      %w[openssl json].each do |name|
        gem name
      rescue LoadError
        nil
      end
    end
    $LOAD_PATH << "#{root}/usr/lib/one/ruby"
  end

  # usage: requires_of(file) -> [[kind, name]]   (its require and require_relative lines)
  def requires_of(file)
    File.read(file).scan(/^\s*(require|require_relative)\s+'([^']+)'/)
  end

  # usage: sources(path) -> [files, libraries]   (the exporter's own files, what else it requires)
  def sources(path)
    dir = File.dirname(path)
    files = []
    libraries = []
    queue = [path]
    until queue.empty?
      file = queue.shift
      next if files.include?(file)

      files << file
      requires_of(file).each do |kind, name|
        base = kind == 'require_relative' ? File.dirname(file) : dir
        local = File.expand_path("#{name}.rb", base)
        if File.exist?(local)
          queue << local
        elsif kind == 'require_relative'
          abort "onechart-exporter: #{file} requires #{name}, which is not in #{base}"
        else
          libraries << name
        end
      end
    end
    [files, libraries.uniq]
  end

  # usage: check(path)   (the bind line, the collectors, every library they require)
  def check(path)
    source = File.read(path)
    bind_source(source, '0.0.0.0', path)
    files, libraries = sources(path)
    gem_paths(ENV.fetch('ROOT', ''))
    libraries.each do |name|
      # 'sinatra' itself would run an application at exit (lib/sinatra/main.rb).
      require(name == 'sinatra' ? 'sinatra/base' : name)
    rescue LoadError => e
      abort "onechart-exporter: #{path}: #{e.message}"
    end
    puts "exporter: #{path}: #{source[BIND_LINE]} (0.0.0.0 without IPv6); " \
         "#{files.size - 1} collector files; libraries load: #{libraries.join(' ')}"
  end
end

if $PROGRAM_NAME == __FILE__
  # No local variable here: the exporter is evaluated in this top-level binding.
  if ARGV.size == 2 && ARGV[0] == '--check'
    OnechartExporter.check(ARGV[1])
  elsif ARGV.size == 1 && !ARGV[0].start_with?('-')
    OnechartExporter.run(ARGV[0])
  else
    abort 'usage: onechart-exporter [--check] EXPORTER'
  end
end

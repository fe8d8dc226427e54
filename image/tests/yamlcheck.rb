#!/usr/bin/env ruby
# frozen_string_literal: true

# Read the YAML service configs the way OneFlow and OneGate do (Psych, with
# :symbol keys) and compare them.
#
# usage:
#   yamlcheck.rb check FILE               the file loads and is a map
#   yamlcheck.rb expect FILE PATH VALUE   PATH is k1/k2/..., ":k" is the symbol :k;
#                                         VALUE compares with the value's to_s
#   yamlcheck.rb absent FILE PATH
#   yamlcheck.rb diff BEFORE AFTER        the changed paths, sorted

require 'yaml'

def load(path)
    data = Psych.safe_load(File.read(path), permitted_classes: [Symbol], aliases: true)
    raise "#{path}: not a YAML map" unless data.is_a?(Hash)

    data
end

def key(segment)
    segment.start_with?(':') ? segment.delete_prefix(':').to_sym : segment
end

def lookup(data, path)
    path.split('/').reduce(data) do |node, seg|
        return :absent unless node.is_a?(Hash) && node.key?(key(seg))

        node[key(seg)]
    end
end

def show(k)
    k.is_a?(Symbol) ? ":#{k}" : k.to_s
end

def diff(before, after, prefix = nil, out = [])
    (before.keys | after.keys).each do |k|
        path = [prefix, show(k)].compact.join('/')
        b = before.fetch(k, :absent)
        a = after.fetch(k, :absent)
        next if b == a

        if b.is_a?(Hash) && a.is_a?(Hash)
            diff(b, a, path, out)
        else
            out << path
        end
    end
    out
end

def main(argv)
    case argv[0]
    when 'check' then load(argv[1])
    when 'expect'
        got = lookup(load(argv[1]), argv[2])
        want = argv[3]
        if got == :absent || got.to_s != want
            warn "#{argv[1]}: #{argv[2]} is #{got.inspect}, expected #{want.inspect}"
            return 1
        end
    when 'absent'
        got = lookup(load(argv[1]), argv[2])
        if got != :absent
            warn "#{argv[1]}: #{argv[2]} is #{got.inspect}, expected absent"
            return 1
        end
    when 'diff' then puts diff(load(argv[1]), load(argv[2])).sort
    else
        warn 'usage: yamlcheck.rb (check|expect|absent|diff) ...'
        return 2
    end
    0
rescue StandardError => e
    warn e.message
    1
end

exit(main(ARGV))

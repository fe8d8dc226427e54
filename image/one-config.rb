#!/usr/bin/env ruby
# frozen_string_literal: true

# one-config: edit OpenNebula configuration files in place, safely.
#
#   one-config template FILE OP...   oned.conf / monitord.conf (KEY = VALUE syntax)
#   one-config yaml FILE OP...       fireedge-, oneflow-, onegate-server.conf
#
# OPs are applied in order:
#   --set PATH VALUE    PATH is KEY or KEY/SUB (template), k1/k2/... (yaml).
#                       VALUE is taken as a string, byte for byte.
#   --unset PATH        remove the attribute (template) or key (yaml).
#   --overrides FILE    apply a YAML map with the chart's ConfigMap semantics
#                       (see image/README.md, "Configuration overrides").
#
# Template files are edited as text: only the spans of the attributes that
# change are rewritten, so comments and layout survive. The lexer below follows
# OpenNebula's src/template/template_parser.l (flex, longest match): a quoted
# value is "..." where \" stands for a quote; nothing else is an escape, so a
# string value cannot end with a backslash when quoted.
#
# YAML files are loaded with Psych (as OneFlow and OneGate load them; keys like
# :host are Ruby symbols), merged and dumped again, and only written when the
# data changed. A key written ":name" or ":name:" in an override or a --set
# path stands for the symbol :name.

require 'strscan'
require 'yaml'

# Raised for anything the user can fix: bad syntax, unrepresentable value.
class ConfigError < StandardError; end

# Tokenizer for OpenNebula template files (see template_parser.l).
module TemplateLexer
    Token = Struct.new(:type, :start, :stop, :text)

    BLANK = '[ \t]'
    INITIAL_RULES = [
        [:comment,     /#{BLANK}*#.*\n/],
        [:space,       /[ \t\n]+/],
        [:var,         /[[:alnum:]_]+/],
        [:equal,       /#{BLANK}*=#{BLANK}*/],
        [:equal_empty, /#{BLANK}*=#{BLANK}*\n/],
        [:comma,       /[ \t\n]*,[ \t\n]*/],
        [:cbracket,    /[ \t\n]*\][ \t\n]*/]
    ].freeze
    VALUE_RULES = [
        [:obracket, /#{BLANK}*\[[ \t\n]*/],
        [:ccdata,   /.*\]\]>.*/],
        [:qstring,  /"(?:\\"|[^"])*"/],
        [:string,   /[^=#[:blank:]\n,\[\]]+/]
    ].freeze

    # usage: TemplateLexer.tokens(text) -> [Token] (comments and blanks dropped)
    def self.tokens(text)
        scanner = StringScanner.new(text)
        state = :initial
        out = []
        until scanner.eos?
            rules = state == :initial ? INITIAL_RULES : VALUE_RULES
            type, len = longest(scanner, rules)
            if len.nil? || len.zero?
                line = text[0, scanner.pos].count("\n") + 1
                raise ConfigError, "syntax error at line #{line}: " \
                                   "#{text[scanner.pos, 20].inspect}"
            end
            start = scanner.pos
            scanner.pos += len
            state = next_state(state, type)
            next if %i[comment space].include?(type)

            out << Token.new(type, start, scanner.pos, text[start...scanner.pos])
        end
        out
    end

    # usage: longest(scanner, rules) -> [type, length] of the longest match;
    # ties go to the earlier rule, as in flex.
    def self.longest(scanner, rules)
        best = [nil, nil]
        rules.each do |type, regex|
            len = scanner.match?(regex)
            best = [type, len] if len && (best[1].nil? || len > best[1])
        end
        best
    end

    def self.next_state(state, type)
        return :value if state == :initial && type == :equal

        state == :value ? :initial : state
    end
end

# Parses a template into attributes with source spans (see template_syntax.y).
module TemplateParser
    Sub  = Struct.new(:name, :start, :value_start, :stop, :value)
    Attr = Struct.new(:name, :kind, :start, :stop, :value, :subs,
                      :inner_start, :inner_stop)

    # usage: TemplateParser.parse(text) -> [Attr]
    def self.parse(text)
        toks = TemplateLexer.tokens(text)
        attrs = []
        i = 0
        while i < toks.size
            attr, i = attribute(toks, i)
            attrs << attr
        end
        attrs
    end

    def self.attribute(toks, i)
        name = expect(toks, i, :var)
        op = toks[i + 1]
        case op&.type
        when :equal_empty
            stop = op.start + op.text.index('=') + 1
            [Attr.new(name.text, :single, name.start, stop, ''), i + 2]
        when :equal
            value = toks[i + 2]
            case value&.type
            when :string, :qstring
                [Attr.new(name.text, :single, name.start, value.stop,
                          unescape(value)), i + 3]
            when :obracket
                vector(toks, name, value, i + 3)
            else
                fail_at(value || op, 'expected a value')
            end
        else
            fail_at(op || name, "expected '=' after #{name.text}")
        end
    end

    def self.vector(toks, name, obracket, i)
        subs = []
        loop do
            sname = expect(toks, i, :var)
            expect(toks, i + 1, :equal)
            sval = toks[i + 2]
            fail_at(sval || sname, 'expected a value') \
                unless %i[string qstring].include?(sval&.type)
            subs << Sub.new(sname.text, sname.start, sval.start, sval.stop,
                            unescape(sval))
            sep = toks[i + 3]
            i += 4
            next if sep&.type == :comma

            fail_at(sep || sval, "expected ',' or ']' in #{name.text}") \
                unless sep&.type == :cbracket

            close = sep.start + sep.text.index(']')
            attr = Attr.new(name.text, :vector, name.start, close + 1, nil, subs,
                            obracket.stop, close)
            return [attr, i]
        end
    end

    def self.expect(toks, i, type)
        tok = toks[i]
        fail_at(tok || toks.last, "expected #{type}") unless tok&.type == type
        tok
    end

    def self.fail_at(tok, msg)
        raise ConfigError, "syntax error near #{tok&.text.inspect}: #{msg}"
    end

    # A quoted value loses its quotes; \" becomes " (template_syntax.y unescape).
    def self.unescape(tok)
        raw = tok.type == :qstring ? tok.text[1..-2] : tok.text
        raw.gsub('\\"', '"')
    end
end

# Edits a template text; each operation re-parses so spans stay exact.
class TemplateFile
    NAME = /\A[A-Za-z0-9_]+\z/.freeze

    attr_reader :text

    # Bytes, like flex: offsets stay exact whatever the file's encoding.
    def initialize(text)
        @text = text.b
        TemplateParser.parse(@text)
    end

    # usage: render_value(v) -> the value as OpenNebula template text
    def self.render_value(value)
        case value
        when true then 'YES'
        when false then 'NO'
        when Integer, Float then value.to_s
        when String then render_string(value)
        else raise ConfigError, "unsupported value #{value.inspect}"
        end
    end

    def self.render_string(str)
        raise ConfigError, 'a value cannot contain "]]>"' if str.include?(']]>')
        raise ConfigError, 'a value cannot contain a NUL byte' if str.include?("\0")

        if str.end_with?('\\')
            # Quoted, the final \" would escape the closing quote. Bare works
            # when the value has none of the lexer's separators.
            return str.b if str.b.match?(/\A[^=#\s,\[\]"]+\z/n)

            raise ConfigError, 'a value ending in a backslash must not contain ' \
                               'blanks, quotes or any of = # , [ ]'
        end
        "\"#{str.b.gsub('"', '\\"')}\"".b
    end

    def self.key(name)
        name = name.to_s
        raise ConfigError, "invalid attribute name #{name.inspect}" unless name.match?(NAME)

        name.upcase
    end

    # K = V: replace the first K in place, drop the other Ks, else append.
    def set_single(name, value)
        replace_all(name, ["#{name} = #{self.class.render_value(value)}"])
    end

    # K = [ ... ]: merge subs ({SUB => value or nil}) into the first vector K.
    def merge_vector(name, subs)
        subs = subs.to_h {|k, v| [self.class.key(k), v] }
        attr = attrs(name).first
        if attr.nil? || attr.kind != :vector
            fresh = subs.compact
            return if fresh.empty?

            return replace_first(attr, name, [vector_text(name, fresh)])
        end
        rewrite_vector(attr, subs)
    end

    # Replace every K by one vector per item of blocks ([{SUB => value}]).
    def replace_vectors(name, blocks)
        texts = blocks.map do |block|
            raise ConfigError, "#{name}: list items must be maps" unless block.is_a?(Hash)

            block = block.to_h {|k, v| [self.class.key(k), v] }.compact
            raise ConfigError, "#{name}: empty vector" if block.empty?

            vector_text(name, block)
        end
        texts.empty? ? remove(name) : replace_all(name, texts)
    end

    # Remove every K.
    def remove(name)
        attrs(name).reverse_each {|a| splice(*line_span(a.start, a.stop), '') }
    end

    private

    def attrs(name)
        TemplateParser.parse(@text).select {|a| a.name == name }
    end

    def replace_all(name, texts)
        found = attrs(name)
        return append(texts) if found.empty?

        found.drop(1).reverse_each {|a| splice(*line_span(a.start, a.stop), '') }
        splice(found.first.start, found.first.stop, texts.join("\n"))
        TemplateParser.parse(@text)
    end

    def replace_first(attr, name, texts)
        return append(texts) if attr.nil?

        splice(attr.start, attr.stop, texts.join("\n"))
        attrs(name)
    end

    def append(texts)
        @text += "\n" unless @text.empty? || @text.end_with?("\n")
        @text += texts.map {|t| "#{t}\n".b }.join
        TemplateParser.parse(@text)
    end

    def vector_text(name, subs)
        body = subs.map {|k, v| "    #{k} = #{self.class.render_value(v)}" }
        "#{name} = [\n#{body.join(",\n")}\n]"
    end

    # Rebuild the inside of a vector: untouched subs keep their text and the
    # separators (with comments) before them; new subs go after the last one.
    def rewrite_vector(attr, changes)
        pending = changes.dup
        kept = []
        attr.subs.each_with_index do |sub, idx|
            key = sub.name.upcase
            seg = @text[sub.start...sub.stop]
            sep = idx.zero? ? nil : @text[attr.subs[idx - 1].stop...sub.start]
            if pending.key?(key)
                value = pending.delete(key)
                next if value.nil?

                seg = @text[sub.start...sub.value_start] + self.class.render_value(value)
            elsif changes.key?(key) # a duplicate of a sub already handled
                next
            end
            kept << [sep, seg]
        end
        pending.compact.each do |k, v|
            kept << [",\n#{indent(attr)}", "#{k} = #{self.class.render_value(v)}"]
        end
        return remove(attr.name) if kept.empty?

        first_start = attr.subs.first.start
        last_stop = attr.subs.last.stop
        inner = kept.each_with_index.map {|(sep, seg), i| i.zero? ? seg : sep + seg }
        splice(first_start, last_stop, inner.join)
        TemplateParser.parse(@text)
    end

    def indent(attr)
        line_start = @text.rindex("\n", attr.subs.first.start - 1)
        line_start = line_start ? line_start + 1 : 0
        lead = @text[line_start...attr.subs.first.start]
        lead.match?(/\A[ \t]*\z/) ? lead : ' ' * lead.length
    end

    # Widen [start, stop) to whole lines when nothing else is on them.
    def line_span(start, stop)
        bol = (@text.rindex("\n", start - 1) || -1) + 1
        eol = @text.index("\n", stop) || @text.length
        if @text[bol...start].match?(/\A[ \t]*\z/) && @text[stop...eol].match?(/\A[ \t]*\z/)
            [bol, [eol + 1, @text.length].min]
        else
            [start, stop]
        end
    end

    def splice(start, stop, replacement)
        @text = @text[0...start] + replacement.b + @text[stop..]
    end
end

# Applies the chart's override map to a template file.
module TemplateOverrides
    # usage: apply(file, map)
    def self.apply(file, map)
        raise ConfigError, 'overrides must be a YAML map' unless map.is_a?(Hash)

        map.each do |key, value|
            name = TemplateFile.key(key)
            case value
            when nil then file.remove(name)
            when Hash then file.merge_vector(name, value)
            when Array then file.replace_vectors(name, value)
            else file.set_single(name, value)
            end
        end
    end
end

# YAML files: load, merge, dump.
module YamlConfig
    LOAD_OPTS = { permitted_classes: [Symbol], aliases: true }.freeze

    # usage: load(text) -> data (a Hash; an empty document is {})
    def self.load(text)
        data = Psych.safe_load(text, **LOAD_OPTS)
        data.nil? ? {} : data
    end

    # ":name" and ":name:" stand for the Ruby symbol :name.
    def self.key(key)
        return key unless key.is_a?(String) && key.match?(/\A:[^:\s]+:?\z/)

        key.delete_prefix(':').delete_suffix(':').to_sym
    end

    def self.convert(value)
        case value
        when Hash then value.to_h {|k, v| [key(k), convert(v)] }
        when Array then value.map {|v| convert(v) }
        else value
        end
    end

    # usage: merge(base, overrides) -> base with overrides deep-merged
    def self.merge(base, over)
        raise ConfigError, 'overrides must be a YAML map' unless over.is_a?(Hash)

        out = base.dup
        over.each do |k, v|
            k = key(k)
            if v.nil?
                out.delete(k)
            elsif v.is_a?(Hash) && out[k].is_a?(Hash)
                out[k] = merge(out[k], v)
            else
                out[k] = convert(v)
            end
        end
        out
    end

    # usage: path_map("a/b", v) -> {"a" => {"b" => v}}
    def self.path_map(path, value)
        path.split('/').reverse.reduce(value) {|acc, k| { k => acc } }
    end

    def self.dump(data, source)
        header = "# Written by the onechart entrypoint from #{source} and the\n" \
                 "# chart's overrides; the packaged file is in /usr/share/one/etc-dist.\n"
        header + Psych.dump(data, line_width: -1)
    end
end

# usage: run(argv) -> exit status
def run(argv)
    mode, path, *ops = argv
    unless %w[template yaml].include?(mode) && path
        warn 'usage: one-config (template|yaml) FILE [--set PATH VALUE | --unset PATH ' \
             '| --overrides FILE]...'
        return 2
    end
    text = mode == 'template' ? File.binread(path) : File.read(path)
    new_text = mode == 'template' ? edit_template(text, ops) : edit_yaml(text, ops, path)
    File.binwrite(path, new_text) if new_text.b != text.b
    0
rescue ConfigError, Psych::Exception, SystemCallError => e
    warn "one-config: #{path}: #{e.message}"
    1
end

def each_op(ops)
    ops = ops.dup
    until ops.empty?
        op = ops.shift
        case op
        when '--set'
            raise ConfigError, '--set needs PATH VALUE' if ops.size < 2

            yield :set, ops.shift, ops.shift
        when '--unset', '--overrides'
            raise ConfigError, "#{op} needs an argument" if ops.empty?

            yield op.delete_prefix('--').to_sym, ops.shift, nil
        else
            raise ConfigError, "unknown operation #{op.inspect}"
        end
    end
end

def edit_template(text, ops)
    file = TemplateFile.new(text)
    each_op(ops) do |op, arg, value|
        case op
        when :overrides
            TemplateOverrides.apply(file, YamlConfig.load(File.read(arg)))
        else
            key, sub, extra = arg.split('/', -1)
            raise ConfigError, "bad path #{arg.inspect}" if extra || sub == ''

            name = TemplateFile.key(key)
            if sub
                file.merge_vector(name, { sub => (op == :set ? value : nil) })
            elsif op == :set
                file.set_single(name, value)
            else
                file.remove(name)
            end
        end
    end
    file.text
end

def edit_yaml(text, ops, path)
    data = YamlConfig.load(text)
    raise ConfigError, 'the file is not a YAML map' unless data.is_a?(Hash)

    new_data = data
    each_op(ops) do |op, arg, value|
        over = case op
               when :overrides then YamlConfig.load(File.read(arg))
               when :set then YamlConfig.path_map(arg, value)
               else YamlConfig.path_map(arg, nil)
               end
        new_data = YamlConfig.merge(new_data, over)
    end
    new_data == data ? text : YamlConfig.dump(new_data, File.basename(path))
end

exit(run(ARGV)) if $PROGRAM_NAME == __FILE__

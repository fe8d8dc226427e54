#!/usr/bin/env ruby
# frozen_string_literal: true

# onechart-syslog: receive syslog(3) datagrams on a Unix socket and print them
# on stdout, which supervisord passes to the container's log.
#
# monitord (LOG/SYSTEM = "syslog", src/monitor/src/monitor/Monitor.cc),
# OneFlow and OneGate (:log: :system: syslog, oneflow-server.rb and
# onegate-server.rb select Syslog::Logger) log through glibc's syslog(3) to
# /dev/log; the entrypoint links /dev/log to this socket. monitord cannot log
# to stdout: it is a driver of oned, its stdout is the driver protocol and its
# stderr is closed (include/Driver.h).
#
# usage: onechart-syslog SOCKET

require 'socket'

# Formats one RFC 3164 datagram: glibc sends "<PRI>Mmm dd hh:mm:ss TAG: MSG"
# (TAG is "ident" or "ident[pid]"), other senders put a host name before TAG.
module SyslogLine
    SEVERITY = %w[emerg alert crit err warning notice info debug].freeze
    HEADER = /\A<(\d{1,3})>(?:[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d )?/.freeze
    HOST = /\A[^\s:\[\]]+ (?=\S+: )/.freeze

    # usage: SyslogLine.format(datagram) -> "TAG: MSG <severity>\n"
    def self.format(datagram)
        text = datagram.b.delete("\0").chomp
        match = text.match(HEADER)
        return "#{text}\n" unless match

        severity = SEVERITY[match[1].to_i & 7]
        "#{match.post_match.sub(HOST, '')} <#{severity}>\n"
    end
end

# usage: relay(path) (never returns; SIGTERM ends the process)
def relay(path)
    File.unlink(path) if File.socket?(path)
    socket = Socket.new(:UNIX, :DGRAM)
    socket.bind(Socket.sockaddr_un(path))
    File.chmod(0o666, path)
    $stdout.sync = true
    loop { $stdout.write(SyslogLine.format(socket.recv(65_536))) }
ensure
    File.unlink(path) if path && File.socket?(path)
end

if $PROGRAM_NAME == __FILE__
    abort('usage: onechart-syslog SOCKET') unless ARGV.size == 1
    Signal.trap('TERM') { exit 0 }
    relay(ARGV[0])
end

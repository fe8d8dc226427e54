#!/usr/bin/env python3
"""Parse image/supervisord.conf with supervisord's own option parser.

usage: supervisord_check.py CONF
The image's user (oneadmin) and runtime paths are substituted with the
current user and a temp dir so that ServerOptions().realize() can check them
on a machine that is not the image. Checks the groups, the environment each
service needs, and the worst-case ordered stop; prints the groups in start
order and that worst case.
"""

import getpass
import os
import sys
import shutil
import tempfile

from supervisor.options import ServerOptions, UnhosedConfigParser

# supervisord's loop ticks once a second: SIGKILL at the deadline, then the
# reap, cost up to 2 s per stop group on top of its largest stopwaitsecs.
TICKS_PER_GROUP = 2
# What the chart counts on (issue 11 contract): terminationGracePeriodSeconds
# 180 s by default, the image's worst case at most 170 s.
STOP_BUDGET = 170

GROUPS = {
    "base": {"syslog", "ssh-agent", "sshd"},
    "oned": {"oned"},
    "services": {"guacd", "fireedge", "oneflow", "onegate", "hem", "oneform",
                 "exporter", "serveradmin", "periodic"},
}
WAIT_FOR_ONED = {"fireedge", "oneflow", "onegate", "hem", "oneform", "exporter"}
OWN_STDOUT = {"fireedge", "hem"}
APP_ENV = {"oneflow", "onegate", "oneform", "exporter"}
# Programs started only when the entrypoint's switch (an ENV_ expansion) is true.
SWITCHES = {"oneform": "ONECHART_ONEFORM", "exporter": "ONECHART_METRICS"}
AGENT_USERS = {"oned", "hem"}


def realize(conf, switches):
    tmp = tempfile.mkdtemp()
    try:
        return _realize(conf, switches, tmp)
    finally:
        shutil.rmtree(tmp)


def _realize(conf, switches, tmp):
    with open(conf) as f:
        text = f.read()
    text = (text.replace("user=oneadmin", f"user={getpass.getuser()}")
                .replace("user=root", f"user={getpass.getuser()}")
                .replace("/run/supervisor", f"{tmp}/supervisor")
                .replace("directory=/var/lib/one", f"directory={tmp}"))
    path = os.path.join(tmp, "supervisord.conf")
    with open(path, "w") as f:
        f.write(text)
    os.environ.update(switches)
    opts = ServerOptions()
    opts.realize(["-c", path])
    return sorted(opts.process_group_configs, key=lambda g: g.priority)


def check(groups):
    names = [g.name for g in groups]
    if names != ["base", "oned", "services"]:
        sys.exit(f"groups {names}, expected base, oned, services in that order")
    procs = {}
    for g in groups:
        members = {p.name for p in g.process_configs}
        if members != GROUPS[g.name]:
            sys.exit(f"group {g.name}: {sorted(members)}, expected {sorted(GROUPS[g.name])}")
        for p in g.process_configs:
            procs[p.name] = p
    for name, p in procs.items():
        env = p.environment or {}
        if p.stdout_logfile != "/dev/fd/1" or not p.redirect_stderr:
            sys.exit(f"{name}: output must go to /dev/fd/1")
        if not (p.stopasgroup and p.killasgroup):
            sys.exit(f"{name}: stop/kill as group")
        if (name in WAIT_FOR_ONED) != ("onechart-wait-oned" in p.command):
            sys.exit(f"{name}: onechart-wait-oned only and always for {sorted(WAIT_FOR_ONED)}")
        if (name in OWN_STDOUT) != ("--own-stdout" in p.command):
            sys.exit(f"{name}: --own-stdout only and always for {sorted(OWN_STDOUT)}")
        if (name in APP_ENV) != (env.get("APP_ENV") == "production"):
            sys.exit(f"{name}: APP_ENV=production only and always for {sorted(APP_ENV)}")
        sock = procs["ssh-agent"].environment.get("SSH_AUTH_SOCK")
        if name != "ssh-agent" and (name in AGENT_USERS) != (env.get("SSH_AUTH_SOCK") == sock):
            sys.exit(f"{name}: SSH_AUTH_SOCK={sock} only and always for {sorted(AGENT_USERS)}")
    if procs["guacd"].environment.get("LD_LIBRARY_PATH") != "/usr/share/one/guacd/lib":
        sys.exit("guacd: LD_LIBRARY_PATH must be /usr/share/one/guacd/lib")
    if not procs["sshd"].command.startswith("/usr/sbin/sshd -D -e "):
        sys.exit("sshd: must run in the foreground (-D) and log to stderr (-e)")
    exporter = procs["exporter"]
    if not exporter.command.endswith(
            " -- /usr/bin/ruby /usr/local/lib/onechart/onechart-exporter"
            " /usr/lib/one/opennebula_exporter/opennebula_exporter.rb"):
        sys.exit("exporter: must run OpenNebula's exporter through onechart-exporter")
    if " /var/lib/one/.one/one_auth -- " not in exporter.command:
        sys.exit("exporter: must wait for oneadmin's one_auth, its credentials")
    if not exporter.environment.get("PATH", "").startswith("/usr/local/lib/onechart/bin:"):
        sys.exit("exporter: /usr/local/lib/onechart/bin (its systemctl) must come first on PATH")
    for name, p in procs.items():
        if name != "sshd" and (p.environment or {}).get("HOME") != "/var/lib/one":
            sys.exit(f"{name}: HOME must be /var/lib/one")
    worst = sum(max(p.stopwaitsecs for p in g.process_configs) + TICKS_PER_GROUP
                for g in groups)
    if worst > STOP_BUDGET:
        sys.exit(f"worst-case stop {worst}s exceeds {STOP_BUDGET}s")
    return procs, worst


def users(conf):
    """The user= of each program, as written (realize() sees substitutes)."""
    parser = UnhosedConfigParser()
    with open(conf) as f:
        parser.read_string(f.read())
    return {s.split(":", 1)[1]: parser.get(s, "user", fallback=None)
            for s in parser.sections() if s.startswith("program:")}


def main(conf):
    for name, user in users(conf).items():
        if user != ("root" if name == "sshd" else "oneadmin"):
            sys.exit(f"{name}: user={user}, want oneadmin (sshd: root)")
    worst = None
    # Every combination of the switches: each program follows its own.
    for bits in range(2 ** len(SWITCHES)):
        values = {var: "true" if bits >> i & 1 else "false"
                  for i, var in enumerate(SWITCHES.values())}
        procs, worst = check(realize(conf, values))
        for name, p in procs.items():
            want = values[SWITCHES[name]] == "true" if name in SWITCHES else True
            if p.autostart != want:
                sys.exit(f"{name}: autostart {p.autostart} with {values}, want {want}")
    print(f"base oned services; worst-case stop {worst}s")


if __name__ == "__main__":
    main(sys.argv[1])

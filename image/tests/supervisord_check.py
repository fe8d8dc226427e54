#!/usr/bin/env python3
"""Parse image/supervisord.conf with supervisord's own option parser.

usage: supervisord_check.py CONF
The image's user (oneadmin) and runtime paths are substituted with the
current user and a temp dir so that ServerOptions().realize() can check them
on a machine that is not the image. Prints the programs in start order.
"""

import getpass
import os
import shutil
import sys
import tempfile

from supervisor.options import ServerOptions


def main(conf):
    tmp = tempfile.mkdtemp()
    try:
        check(conf, tmp)
    finally:
        shutil.rmtree(tmp)


def check(conf, tmp):
    with open(conf) as f:
        text = f.read()
    text = (text.replace("user=oneadmin", f"user={getpass.getuser()}")
                .replace("user=root", f"user={getpass.getuser()}")
                .replace("/run/", f"{tmp}/")
                .replace("directory=/var/lib/one", f"directory={tmp}"))
    path = os.path.join(tmp, "supervisord.conf")
    with open(path, "w") as f:
        f.write(text)
    opts = ServerOptions()
    opts.realize(["-c", path])
    groups = sorted(opts.process_group_configs, key=lambda g: g.priority)
    want = {"oned", "guacd", "fireedge", "oneflow", "onegate", "hem"}
    names = [g.name for g in groups]
    if set(names) != want:
        sys.exit(f"programs {names}, expected {sorted(want)}")
    if names[0] != "oned":
        sys.exit(f"oned must start first, got {names}")
    for g in groups:
        for p in g.process_configs:
            if p.stdout_logfile != "/dev/fd/1" or not p.redirect_stderr:
                sys.exit(f"{p.name}: output must go to /dev/fd/1")
            if p.name != "guacd" and p.name != "oned" and "onechart-wait-oned" not in p.command:
                sys.exit(f"{p.name}: must wait for oned")
            if not (p.stopasgroup and p.killasgroup):
                sys.exit(f"{p.name}: stop/kill as group")
    print(" ".join(names))


if __name__ == "__main__":
    main(sys.argv[1])

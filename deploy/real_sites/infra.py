"""The private MariaDB, epmd and RabbitMQ that every site shares (databases and vhosts per site).

The machine's own MariaDB/RabbitMQ are never touched: these instances run from $STATE/infra,
listen on 127.0.0.1 only, on their own ports, and are stopped by PID. Called by cli.py.
"""

from __future__ import annotations

import secrets
import time

from deploy.real_sites import procs
from deploy.real_sites.layout import (
    AMQP_DIST_PORT,
    AMQP_PASSWORD,
    AMQP_PORT,
    AMQP_USER,
    DB_PASSWORD,
    DB_PORT,
    DB_USER,
    EPMD_PORT,
    INFRA,
)

SOCKET = INFRA / "mysql.sock"
PIDS = INFRA / "pids"
LOG = INFRA / "infra.log"
RABBIT_BIN = "/usr/lib/rabbitmq/bin"
NODE = "ostest@localhost"

MY_CNF = f"""[mysqld]
user = root
datadir = {INFRA}/mysql
socket = {SOCKET}
pid-file = {INFRA}/mariadb.pid
log-error = {INFRA}/mariadb.err
bind-address = 127.0.0.1
port = {DB_PORT}
skip-name-resolve
skip-log-bin
max_connections = 2000
character-set-server = utf8
collation-server = utf8_general_ci
innodb_flush_log_at_trx_commit = 0
innodb_doublewrite = 0
innodb_buffer_pool_size = 256M
"""


def rabbit_env() -> dict[str, str]:
    """Environment for rabbitmq-server and rabbitmqctl: our node, dirs, cookie (HOME) and ports."""
    return {
        "HOME": str(INFRA / "rabbit-home"),
        "RABBITMQ_NODENAME": NODE,
        "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
        "RABBITMQ_NODE_PORT": str(AMQP_PORT),
        "RABBITMQ_DIST_PORT": str(AMQP_DIST_PORT),
        "RABBITMQ_MNESIA_BASE": str(INFRA / "rabbit-mnesia"),
        "RABBITMQ_LOG_BASE": str(INFRA / "rabbit-log"),
        "RABBITMQ_CONFIG_FILE": str(INFRA / "rabbitmq.conf"),
        "RABBITMQ_CONF_ENV_FILE": str(INFRA / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(INFRA / "enabled_plugins"),
        "RABBITMQ_ADVANCED_CONFIG_FILE": str(INFRA / "advanced.config"),
        "RABBITMQ_PID_FILE": str(INFRA / "rabbit.pid"),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "ERL_EPMD_PORT": str(EPMD_PORT),
        "ERL_EPMD_ADDRESS": "127.0.0.1",
    }


def sql(statement: str) -> str:
    """Run SQL as the private server's root (unix socket); return its tab-separated output."""
    return procs.run(
        ["mariadb", "--no-defaults", f"--socket={SOCKET}", "-uroot", "-N", "-B", "-e", statement],
        LOG,
    )


def rabbitmqctl(*args: str) -> str:
    return procs.run([f"{RABBIT_BIN}/rabbitmqctl", "-n", NODE, *args], LOG, rabbit_env())


def healthy() -> bool:
    return all(procs.recorded_pid(PIDS / f"{name}.pid") for name in ("mariadb", "epmd", "rabbitmq"))


def start() -> dict[str, float]:
    """Start MariaDB, epmd and RabbitMQ (whatever is not already running); return timings."""
    timings: dict[str, float] = {}
    for directory in ("rabbit-home", "rabbit-mnesia", "rabbit-log", "pids"):
        (INFRA / directory).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if procs.recorded_pid(PIDS / "mariadb.pid") is None:
        _start_mariadb()
        timings["mariadb"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    if procs.recorded_pid(PIDS / "rabbitmq.pid") is None:
        _start_rabbitmq()
        timings["rabbitmq"] = round(time.monotonic() - started, 1)
    return timings


def _start_mariadb() -> None:
    (INFRA / "my.cnf").write_text(MY_CNF)
    if not (INFRA / "mysql" / "mysql").is_dir():
        # --no-defaults: a system my.cnf may say `user = mysql`, which install-db cannot honour.
        procs.run(
            ["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={INFRA}/mysql"],
            LOG,
        )
    procs.spawn(
        ["mariadbd", f"--defaults-file={INFRA}/my.cnf"],
        INFRA / "mariadb.log",
        PIDS / "mariadb.pid",
    )
    deadline = time.monotonic() + 60
    while not SOCKET.exists() or not _answers():
        if procs.recorded_pid(PIDS / "mariadb.pid") is None or time.monotonic() > deadline:
            raise procs.HarnessError(f"mariadb failed:\n{procs.tail(INFRA / 'mariadb.err')}")
        time.sleep(0.3)
    sql(
        f"CREATE USER IF NOT EXISTS '{DB_USER}'@'127.0.0.1' IDENTIFIED BY '{DB_PASSWORD}';"
        f"GRANT ALL PRIVILEGES ON *.* TO '{DB_USER}'@'127.0.0.1' WITH GRANT OPTION;"
    )


def _answers() -> bool:
    try:
        sql("SELECT 1")
    except procs.HarnessError:
        return False
    return True


def _start_rabbitmq() -> None:
    (INFRA / "rabbitmq.conf").write_text(
        f"listeners.tcp.default = 127.0.0.1:{AMQP_PORT}\nloopback_users = none\n"
    )
    (INFRA / "rabbitmq-env.conf").write_text("")
    (INFRA / "enabled_plugins").write_text("[].\n")
    (INFRA / "advanced.config").write_text("[].\n")
    cookie = INFRA / "rabbit-home" / ".erlang.cookie"
    if not cookie.exists():
        # Written before either side starts, so server and rabbitmqctl cannot race to create it.
        cookie.write_text(secrets.token_hex(16).upper())
        cookie.chmod(0o400)
    env = rabbit_env()
    if procs.recorded_pid(PIDS / "epmd.pid") is None:
        procs.spawn(
            ["epmd", "-address", "127.0.0.1", "-port", str(EPMD_PORT)],
            INFRA / "epmd.log",
            PIDS / "epmd.pid",
            env,
        )
    # The /usr/sbin wrapper would `su rabbitmq` (escaping our process group, other cookie).
    procs.spawn(
        [f"{RABBIT_BIN}/rabbitmq-server"], INFRA / "rabbitmq.log", PIDS / "rabbitmq.pid", env
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            rabbitmqctl("await_startup", "--timeout", "10")
            break
        except procs.HarnessError:
            # await_startup fails at once while the node is not registered in epmd yet.
            if procs.recorded_pid(PIDS / "rabbitmq.pid") is None or time.monotonic() > deadline:
                raise procs.HarnessError(
                    f"rabbitmq failed:\n{procs.tail(INFRA / 'rabbitmq.log')}"
                ) from None
            time.sleep(1)
    users = [line.split()[0] for line in rabbitmqctl("list_users", "-q").splitlines() if line]
    if AMQP_USER not in users:
        rabbitmqctl("add_user", AMQP_USER, AMQP_PASSWORD)


def stop() -> None:
    for name in ("rabbitmq", "epmd", "mariadb"):
        procs.stop(PIDS / f"{name}.pid")

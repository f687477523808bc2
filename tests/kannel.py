"""A real Kannel for tests: bearerbox + smsbox from Debian's ``kannel`` package, and a
fake carrier (``/usr/lib/kannel/test/fakesmsc``, or ``drive_smpp`` over SMPP).

The configuration is the README's ``kannel.conf`` block with only ports, folders, the
Parley URL and the carrier swapped, so the documented file is the tested file.
Readiness is a state (bearerbox's admin status lists the smsc online and the smsbox
connected, smsbox's sendsms port answers), never a fixed wait.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote_from_bytes, unquote_to_bytes

import httpx

from tests.e2e.server import free_port

ROOT = Path(__file__).resolve().parents[1]
BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
DRIVE_SMPP = Path("/usr/lib/kannel/test/drive_smpp")
# drive_smpp connects itself to bearerbox as a second smsbox on this fixed port.
DRIVE_SMPP_SMSBOX_PORT = 13001
README_DEFAULT_PARLEY = "http://127.0.0.1:8080"
README_DEFAULT_TOKEN = "demo-token"
STATUS_PASSWORD = "test-status"
SENDSMS_USER, SENDSMS_PASSWORD = "parley", "test-sendsms"
MT_LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def installed() -> bool:
    return all(p.exists() for p in (BEARERBOX, SMSBOX, FAKESMSC))


Group = list[tuple[str, str]]


def readme_config() -> list[Group]:
    """The ``kannel.conf`` block of README.md, as groups of (key, value) in file order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    marker = text.index("<!-- kannel.conf")
    block = text[marker:].split("```ini\n", 1)[1].split("```", 1)[0]
    groups: list[Group] = []
    for line in block.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = (part.strip() for part in line.partition("="))
        if key == "group":
            groups.append([])
        groups[-1].append((key, value))
    return groups


def render(groups: list[Group]) -> str:
    return "\n\n".join("\n".join(f"{k} = {v}" for k, v in g) for g in groups) + "\n"


def group(groups: list[Group], name: str) -> Group:
    return next(g for g in groups if dict(g)["group"] == name)


def replace(g: Group, **values: str) -> None:
    """Set keys (``admin_port`` means ``admin-port``) that the README group must have."""
    for key, value in values.items():
        key = key.replace("_", "-")
        index = next(i for i, (k, _) in enumerate(g) if k == key)
        g[index] = (key, value)


def set_keys(g: Group, **values: str) -> None:
    for key, value in values.items():
        key = key.replace("_", "-")
        g[:] = [(k, v) for k, v in g if k != key] + [(key, value)]


@dataclass(frozen=True)
class MT:
    """A text the fake carrier received from Kannel."""

    sender: str
    to: str
    kind: str  # fakesmsc's type: "text", "ucs-2", "data", "udh"
    data: str  # as fakesmsc prints it

    @property
    def text(self) -> str:
        if self.kind == "text":
            return self.data
        raw = unquote_to_bytes(self.data.replace("+", "%20"))
        return raw.decode("utf-16-be" if self.kind.startswith("ucs") else "utf-8")

    @property
    def coding(self) -> str:
        return "UCS-2" if self.kind.startswith("ucs") else "GSM-7"


class Kannel:
    """bearerbox + smsbox + a fake carrier in ``folder``; ``parley_url`` is where the
    sms-service sends texts from phones (``token`` in its query)."""

    def __init__(self, folder: Path, parley_url: str, token: str = README_DEFAULT_TOKEN,
                 carrier: str = "fake") -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.parley_url = parley_url
        self.token = token
        self.carrier = carrier  # "fake" (fakesmsc) or "smpp" (drive_smpp)
        self.admin_port = free_port()
        self.smsbox_port = DRIVE_SMPP_SMSBOX_PORT if carrier == "smpp" else free_port()
        self.sendsms_port = free_port()
        self.smsc_port = free_port()
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.runs = 0  # how many times the carrier was started: each run has its own log
        self.conf_path = self.folder / "kannel.conf"
        self.conf_path.write_text(render(self.config()), encoding="utf-8")

    # --- configuration -------------------------------------------------------------
    def config(self) -> list[Group]:
        groups = readme_config()
        core = group(groups, "core")
        replace(core, admin_port=str(self.admin_port), smsbox_port=str(self.smsbox_port),
                status_password=STATUS_PASSWORD,
                store_location=f'"{self.folder / "kannel.store"}"',
                log_file=f'"{self.folder / "bearerbox.log"}"',
                access_log=f'"{self.folder / "access.log"}"')
        set_keys(core, log_level="0")
        box = group(groups, "smsbox")
        replace(box, sendsms_port=str(self.sendsms_port),
                log_file=f'"{self.folder / "smsbox.log"}"')
        set_keys(box, log_level="0", smsbox_id='"parley"')
        replace(group(groups, "sendsms-user"), username=SENDSMS_USER, password=SENDSMS_PASSWORD)
        service = group(groups, "sms-service")
        url = dict(service)["get-url"]
        assert README_DEFAULT_PARLEY in url and f"token={README_DEFAULT_TOKEN}&" in url, url
        replace(service, get_url=url.replace(README_DEFAULT_PARLEY, self.parley_url).replace(
            f"token={README_DEFAULT_TOKEN}&", f"token={self.token}&"))
        smsc = group(groups, "smsc")
        if self.carrier == "smpp":  # the README's own SMPP group, pointed at drive_smpp
            replace(smsc, host="127.0.0.1", port=str(self.smsc_port),
                    smsc_username='"foo"', smsc_password='"bar"')
        else:
            smsc[:] = [("group", "smsc"), ("smsc", "fake"), ("smsc-id", "carrier"),
                       ("port", str(self.smsc_port)), ("connect-allow-ip", "127.0.0.1")]
        # A named smsbox only gets the MOs routed to it (bearerbox: "smsbox_list empty!")
        groups.append([("group", "smsbox-route"), ("smsbox-id", '"parley"'),
                       ("smsc-id", "carrier")])
        return groups

    @property
    def sendsms_url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def parley_env(self, public_url: str) -> dict[str, str]:
        """What a Parley server needs to use this Kannel."""
        return {"PARLEY_GATEWAY": "kannel", "PARLEY_KANNEL_SENDSMS_URL": self.sendsms_url,
                "PARLEY_KANNEL_USERNAME": SENDSMS_USER,
                "PARLEY_KANNEL_PASSWORD": SENDSMS_PASSWORD, "PARLEY_PUBLIC_URL": public_url,
                "PARLEY_API_TOKEN": self.token}

    # --- processes -----------------------------------------------------------------
    def start(self, timeout: float = 60) -> Kannel:
        deadline = time.monotonic() + timeout
        self.runs += 1
        self._spawn("bearerbox", [str(BEARERBOX), str(self.conf_path)])
        self._wait(lambda: self.status() is not None, deadline, "bearerbox's admin port")
        if self.carrier == "smpp":
            self._spawn("carrier", [str(DRIVE_SMPP), "-v", "0", "-p", str(self.smsc_port),
                                    "-m", "1"])
        else:
            # Interactive mode: each line on stdin is one text from a phone.
            self._spawn("carrier", [str(FAKESMSC), "-H", "127.0.0.1", "-r", str(self.smsc_port),
                                    "-i", "0", "-m", "1000000", "-v", "0"], stdin=True)
        self._wait(lambda: "(online" in (self.status() or ""), deadline, "the carrier online")
        self._spawn("smsbox", [str(SMSBOX), str(self.conf_path)])
        self._wait(self._smsbox_ready, deadline, "smsbox connected and answering")
        return self

    def stop(self) -> None:
        """smsbox, then bearerbox (it says goodbye to the carrier), then the carrier."""
        for name in ("smsbox", "bearerbox", "carrier"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            if proc.stdin:
                proc.stdin.close()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _spawn(self, name: str, argv: list[str], stdin: bool = False) -> None:
        log = (self.folder / f"{name}-{self.runs}.out").open("ab")
        self.procs[name] = subprocess.Popen(
            argv, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL)

    def _wait(self, ready: Callable[[], bool], deadline: float, what: str) -> None:
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited while waiting for {what}:\n{self.logs()}")
            if ready():
                return
            time.sleep(0.1)
        raise RuntimeError(f"Kannel: no {what} in time:\n{self.logs()}")

    def status(self) -> str | None:
        try:
            reply = httpx.get(f"http://127.0.0.1:{self.admin_port}/status.txt",
                              params={"password": STATUS_PASSWORD}, timeout=2)
        except httpx.HTTPError:
            return None
        return reply.text if reply.status_code == 200 else None

    def _smsbox_ready(self) -> bool:
        status = self.status() or ""
        if not re.search(r"smsbox:\S*, IP 127\.0\.0\.1 .*on-line", status):
            return False
        try:
            httpx.get(f"http://127.0.0.1:{self.sendsms_port}/", timeout=2)
        except httpx.HTTPError:
            return False
        return True

    def logs(self) -> str:
        parts = []
        for path in sorted(self.folder.glob("*.out")) + sorted(self.folder.glob("*.log")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(parts)

    # --- the fake carrier ------------------------------------------------------------
    def phone_sends(self, sender: str, to: str, text: str, ucs2: bool = False) -> None:
        """A text from a phone (fakesmsc reads one ``FROM TO type data`` line)."""
        proc = self.procs["carrier"]
        assert proc.stdin is not None, "only fakesmsc takes texts from phones"
        if ucs2:
            line = f"{sender} {to} ucs2 {quote_from_bytes(text.encode('utf-16-be'))}\n"
        else:
            line = f"{sender} {to} text {text}\n"
        proc.stdin.write(line.encode("utf-8"))
        proc.stdin.flush()

    def received(self) -> list[MT]:
        """Every text the fake carrier received, over every run, oldest first."""
        out: list[MT] = []
        for run in range(1, self.runs + 1):
            path = self.folder / f"carrier-{run}.out"
            if not path.exists():
                continue
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                match = MT_LINE.search(line)
                if match:
                    out.append(MT(*match.groups()))
        return out

    def wait_received(self, count: int, timeout: float = 30) -> list[MT]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.1)
        raise AssertionError(f"the carrier got {len(self.received())} of {count} texts:\n"
                             f"{self.logs()}")

    def smpp_submits(self) -> list[str]:
        """drive_smpp's log of each ``submit_sm`` short message it took."""
        text = "".join(p.read_text(errors="replace") for p in self.folder.glob("carrier-*.out"))
        return re.findall(r"submit_sm: short_message = <(.*)>", text)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.folder / "kannel.store", ignore_errors=True)

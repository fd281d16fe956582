#!/usr/bin/env python3
"""Registry logins for the reusable workflow's jobs (.github/workflows/multiarch.yml).

  registry-login.py login    log in to REGISTRY as REGISTRY_USERNAME with REGISTRY_PASSWORD (when
                             REGISTRY is set), then to every entry of REGISTRY_AUTHS: a YAML (or
                             JSON) list of {registry, username, password}
  registry-login.py logout   log out of every registry `login` logged in to (self-hosted runners
                             keep ~/.docker/config.json between jobs)

Every password is masked with ::add-mask:: before anything else is done with it, and no error
message quotes the secret's text. `docker login --password-stdin` keeps passwords off argv.
PyYAML is used when the runner's python3 has it; otherwise JSON, or a small parser for the block
form shown in the README. DOCKER overrides the docker binary (tests).
"""
import json
import os
import subprocess
import sys

KEYS = ("registry", "username", "password")


class AuthsError(Exception):
    """A problem with REGISTRY_AUTHS, described without its content."""


def fail(message):
    print(f"::error title=registry-auths::{message}")
    sys.exit(1)


def unquote(value, line):
    if value.startswith('"'):
        if len(value) < 2 or not value.endswith('"'):
            raise AuthsError(f"line {line}: unterminated double-quoted value")
        try:
            return json.loads(value)
        except ValueError:
            raise AuthsError(f"line {line}: a double-quoted value with an escape JSON does not know") from None
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'"):
            raise AuthsError(f"line {line}: unterminated single-quoted value")
        return value[1:-1].replace("''", "'")
    if value.startswith(("{", "[", "&", "*", "!", "|", ">")):
        raise AuthsError(f"line {line}: only plain or quoted values are understood without PyYAML (or pass JSON)")
    # A plain scalar ends at a comment, as in YAML.
    return value.split(" #", 1)[0].rstrip()


def parse_block(text):
    """The block form: `- registry: r` / `  username: u` / `  password: p` entries."""
    entries = []
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped == "---":
            continue
        if stripped == "-" or stripped.startswith("- "):
            current = {}
            entries.append(current)
            stripped = stripped[1:].strip()
            if not stripped:
                continue
        elif current is None:
            raise AuthsError(f"line {number}: expected a list entry (`- registry: …`)")
        if stripped.startswith(("{", "[", "&", "*", "!", "?")):
            raise AuthsError(f"line {number}: only plain or quoted values are understood without PyYAML (or pass JSON)")
        key, sep, value = stripped.partition(":")
        if not sep or (value and not value.startswith(" ")):
            raise AuthsError(f"line {number}: expected `key: value`")
        key = key.strip()
        if key in current:
            raise AuthsError(f"line {number}: {key} given twice in one entry")
        current[key] = unquote(value.strip(), number)
    return entries


def parse_auths(text):
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError:
        try:
            import yaml  # PyYAML, when the runner has it
        except ImportError:
            data = parse_block(text)
        else:
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                where = f" at line {mark.line + 1}" if mark is not None else ""
                # The parser's own message quotes the document: never print it.
                raise AuthsError(f"not valid YAML{where}") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise AuthsError("expected a list of {registry, username, password}")
    entries = []
    for index, entry in enumerate(data, 1):
        if not isinstance(entry, dict):
            raise AuthsError(f"entry {index} is not a mapping of registry, username and password")
        unknown = sorted(str(k) for k in entry if k not in KEYS)
        if unknown:
            raise AuthsError(f"entry {index}: unknown key {', '.join(unknown)} (expected registry, username, password)")
        for key in KEYS:
            value = entry.get(key)
            if value is None or value == "":
                raise AuthsError(f"entry {index}: {key} is missing or empty")
            if not isinstance(value, str):
                raise AuthsError(f"entry {index}: {key} is not a string (quote it)")
        entries.append({k: entry[k] for k in KEYS})
    return entries


def mask(secret):
    # The runner masks one line per command: mask a multi-line value line by line.
    for line in [secret] + secret.splitlines():
        if line.strip():
            print(f"::add-mask::{line}", flush=True)


def state_file():
    return os.path.join(os.environ.get("RUNNER_TEMP") or "/tmp", "multiarch-registry-logins")


def docker():
    return os.environ.get("DOCKER") or "docker"


def login():
    try:
        # A parse error names a line or an entry, never the text: nothing is printed before masking.
        entries = parse_auths(os.environ.get("REGISTRY_AUTHS", ""))
    except AuthsError as err:
        fail(f"registry-auths: {err}")
    for entry in entries:
        mask(entry["password"])
    single = os.environ.get("REGISTRY", "").strip()
    if single:
        password = os.environ.get("REGISTRY_PASSWORD", "")
        if not password:
            fail(f"no password for {single}: pass the registry-password secret, or set registry to '' and use registry-auths")
        mask(password)
        entries.insert(0, {"registry": single, "username": os.environ.get("REGISTRY_USERNAME", ""), "password": password})
    seen = set()
    for entry in entries:
        if entry["registry"] in seen:
            print(f"::warning::{entry['registry']} is given more than once: the last login wins")
        seen.add(entry["registry"])
        print(f"Logging in to {entry['registry']} as {entry['username']}", flush=True)
        done = subprocess.run(
            [docker(), "login", "--username", entry["username"], "--password-stdin", entry["registry"]],
            input=entry["password"].encode(),
            check=False,
        )
        if done.returncode != 0:
            fail(f"docker login to {entry['registry']} failed (exit {done.returncode})")
        with open(state_file(), "a", encoding="utf-8") as state:
            state.write(entry["registry"] + "\n")
    if not entries:
        print("No registry to log in to.")


def logout():
    try:
        with open(state_file(), encoding="utf-8") as state:
            registries = list(dict.fromkeys(line.strip() for line in state if line.strip()))
    except FileNotFoundError:
        return
    for registry in registries:
        subprocess.run([docker(), "logout", registry], check=False)
    os.remove(state_file())


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "login":
        login()
    elif command == "logout":
        logout()
    else:
        sys.exit("usage: registry-login.py login|logout")

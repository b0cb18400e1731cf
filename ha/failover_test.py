#!/usr/bin/env python3
"""Failover test for the HA topology of ha/run.sh (issue 14, point 4). Run it with ha/failover-test.sh.

50 writers post whole cases with Idempotency-Keys through nginx while readers ask for analytics and case lists.
At --kill-db-at seconds the primary's postmaster is SIGKILLed (with --kill=node, its Patroni too, forcing a
promotion); at --kill-api-at one API instance is SIGKILLed. Every request is retried with the same key until it is
acknowledged (bounded). Then the database is checked: acknowledged writes lost, duplicates, orphans; and the
longest stretch without an acknowledged write is measured."""
import argparse, http.client, json, os, signal, subprocess, sys, threading, time, uuid

p = argparse.ArgumentParser()
p.add_argument("--dir", default=os.environ.get("HFS_HA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "hfs-registry-ha")))
p.add_argument("--base", type=int, default=int(os.environ.get("HFS_HA_PORT_BASE", "56700")))
p.add_argument("--writers", type=int, default=50)
p.add_argument("--readers", type=int, default=4)
p.add_argument("--duration", type=float, default=60)
p.add_argument("--kill-db-at", type=float, default=15)
p.add_argument("--kill-api-at", type=float, default=35)
p.add_argument("--kill", choices=["postmaster", "node"], default="postmaster")
p.add_argument("--case-deadline", type=float, default=90, help="give up on one case after this many seconds")
a = p.parse_args()

LB, WRITE, READ = a.base + 40, a.base + 30, a.base + 31
REST = [a.base + 21, a.base + 22, a.base + 23]
ADMIN = "hfs_devadmin_development-only-admin-key"
RUN = uuid.uuid4().hex[:8]
PREFIX = f"FO-{RUN}-"
T0 = time.monotonic()
now = lambda: time.monotonic() - T0
lock = threading.Lock()
acks, failures, reads, read_nodes, events = [], [], [], [], []
attempts = {"posts": 0, "retries": 0}
statuses = {}
stop = threading.Event()


def request(conn_box, method, path, body=None, headers=None, timeout=30):
    """One HTTP request over the thread's keep-alive connection to nginx; reconnects after any error."""
    if conn_box[0] is None:
        conn_box[0] = http.client.HTTPConnection("127.0.0.1", LB, timeout=timeout)
    h = {"Authorization": f"Bearer {ADMIN}", **(headers or {})}
    try:
        conn_box[0].request(method, path, body=body, headers=h)
        r = conn_box[0].getresponse()
        with lock: statuses[r.status] = statuses.get(r.status, 0) + 1
        return r.status, r.read(), dict(r.getheaders())
    except Exception:
        conn_box[0].close(); conn_box[0] = None
        raise


def psql(port, sql):
    return subprocess.run(["psql", "-X", "-qAt", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "registry", "-c", sql],
                          capture_output=True, text=True, timeout=20, env={**os.environ, "PGPASSWORD": "postgres", "PGCONNECT_TIMEOUT": "2"})


def case(hospital, source):
    return json.dumps({
        "hospitalId": hospital, "patient": {"pseudonym": source, "sex": "female", "birthYear": 1970},
        "sourceCaseId": source, "ageAtPresentation": 54, "presentationDate": "2024-03-18", "affectedSide": "right",
        "affectedRegions": ["eyelid", "cheek"], "triggers": ["stress"], "history": {"priorFacialPalsy": False},
        "diagnosis": {"name": "Hemifacial spasm", "icd10": "G51.3", "snomedCt": "13753008", "etiology": "neurovascular-compression"},
        "diagnostics": [{"kind": "ct-head", "day": 0, "result": "normal", "findings": []}],
        "medications": [{"drug": "carbamazepine", "route": "oral", "form": "tablet", "dose": {"amount": 100, "unit": "mg"},
                         "frequency": "twice daily", "startDay": 0, "setting": "outpatient"}],
        "outcomes": [{"day": 14, "method": "phone", "status": "improved"}, {"day": 42, "method": "in-person", "status": "resolved"}],
    })


def writer(w, hospitals):
    box, n = [None], 0
    while not stop.is_set():
        source = f"{PREFIX}{w}-{n}"; n += 1
        body, key, started = case(hospitals[n % len(hospitals)], source), str(uuid.uuid4()), now()
        while True:
            with lock: attempts["posts"] += 1
            try:
                status, data, headers = request(box, "POST", "/api/v1/cases", body,
                                                {"Content-Type": "application/json", "Idempotency-Key": key})
            except Exception as e:
                status, data, headers = None, str(e).encode(), {}
            if status == 201:
                with lock: acks.append((now(), source, json.loads(data)["id"]))
                break
            if now() - started > a.case_deadline:
                with lock: failures.append((source, status, data[:200]))
                break
            with lock: attempts["retries"] += 1
            time.sleep(0.2 if status is None else min(float(headers.get("Retry-After", "0.5")), 1.0))
    if box[0]: box[0].close()


def reader(r):
    box, paths = [None], ["/api/v1/analytics/summary", "/api/v1/analytics/outcomes-by-drug", "/api/v1/cases?limit=20"]
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]; i += 1
        started = now()
        try:
            status = request(box, "GET", path, timeout=10)[0]
        except Exception:
            status = None
        with lock: reads.append((started, now(), path, status))
        time.sleep(0.1)


def read_port_prober():
    """Which node HAProxy's read port (the API's RegistryRead) reaches, twice a second."""
    while not stop.is_set():
        r = psql(READ, "SELECT inet_server_port() || ' ' || pg_is_in_recovery()")
        with lock: read_nodes.append((now(), r.stdout.strip() if r.returncode == 0 else "unavailable"))
        time.sleep(0.5)


def primary_node():
    for i, port in enumerate(REST):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2); c.request("GET", "/primary")
            if c.getresponse().status == 200: return i + 1
        except Exception:
            pass
    return None


def kill_database():
    node = primary_node()
    pid = int(open(os.path.join(a.dir, f"node{node}", "data", "postmaster.pid")).readline())
    if a.kill == "node":
        patroni = int(open(os.path.join(a.dir, f"patroni-node{node}.pid")).read())
        os.kill(patroni, signal.SIGKILL)
    os.kill(pid, signal.SIGKILL)
    events.append((now(), f"SIGKILL {'Patroni and ' if a.kill == 'node' else ''}postmaster of node{node} (primary, pid {pid})"))


def kill_api():
    pid = int(open(os.path.join(a.dir, "api1.pid")).read())
    os.kill(pid, signal.SIGKILL)
    events.append((now(), f"SIGKILL API instance 1 (pid {pid})"))


def main():
    box = [None]
    hospitals = [h["id"] for h in json.loads(request(box, "GET", "/api/v1/hospitals")[1])]
    threads = [threading.Thread(target=writer, args=(w, hospitals), daemon=True) for w in range(a.writers)]
    threads += [threading.Thread(target=reader, args=(r,), daemon=True) for r in range(a.readers)]
    threads += [threading.Thread(target=read_port_prober, daemon=True)]
    for t in threads: t.start()
    plan = sorted([(a.kill_db_at, kill_database), (a.kill_api_at, kill_api)])
    for at, action in plan:
        time.sleep(max(0, at - now())); action()
    time.sleep(max(0, a.duration - now()))
    stop.set()
    for t in threads: t.join(timeout=a.case_deadline + 40)
    report()


def report():
    time.sleep(2)
    acked = {s: i for _, s, i in acks}
    stored = {}
    for line in psql(WRITE, f"SELECT source_case_id, id FROM cases WHERE source_case_id LIKE '{PREFIX}%'").stdout.split():
        s, i = line.split("|"); stored.setdefault(s, []).append(i)
    lost = [s for s in acked if s not in stored]
    wrong_id = [s for s in acked if s in stored and acked[s] not in stored[s]]
    duplicates = [s for s, ids in stored.items() if len(ids) > 1]
    q = lambda sql: int(psql(WRITE, sql).stdout.strip() or -1)
    incomplete = q(f"""SELECT count(*) FROM cases c WHERE c.source_case_id LIKE '{PREFIX}%' AND (
        (SELECT count(*) FROM diagnostics d WHERE d.case_id = c.id) <> 1 OR (SELECT count(*) FROM medications m WHERE m.case_id = c.id) <> 1
        OR (SELECT count(*) FROM outcomes o WHERE o.case_id = c.id) <> 2)""")
    orphans = q("""SELECT (SELECT count(*) FROM diagnostics x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id))
        + (SELECT count(*) FROM medications x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id))
        + (SELECT count(*) FROM outcomes x WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = x.case_id))""")
    patients_without_case = q(f"""SELECT count(*) FROM patients p WHERE p.pseudonym LIKE '{PREFIX}%'
        AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.patient_id = p.id)""")
    duplicate_patients = q(f"SELECT count(*) - count(DISTINCT pseudonym) FROM patients WHERE pseudonym LIKE '{PREFIX}%'")

    times = sorted(t for t, _, _ in acks)
    def longest_gap(start, end):
        inside = [start] + [t for t in times if start <= t <= end] + [end]
        return max((inside[i + 1] - inside[i], inside[i]) for i in range(len(inside) - 1))
    out = []
    say = out.append
    say(f"run {RUN}: {a.writers} writers, {a.readers} readers, {a.duration:.0f} s, kill={a.kill}")
    for t, e in events: say(f"  t={t:6.2f} s  {e}")
    say(f"posted (attempts) {attempts['posts']}, retries {attempts['retries']}, acknowledged {len(acks)}, given up {len(failures)}")
    say(f"acknowledged writes lost: {len(lost)}; acknowledged with another id: {len(wrong_id)}; duplicate cases: {len(duplicates)}; "
        f"duplicate patients: {duplicate_patients}")
    say(f"orphans: child rows without a case {orphans}, patients without a case {patients_without_case}, cases missing children {incomplete}")
    say(f"stored but never acknowledged (given up): {len([s for s in stored if s not in acked])}")
    for t, e in events:
        gap, at = longest_gap(t - 1, min(t + 30, a.duration))
        window = [r for r in reads if at <= r[0] and r[1] <= at + gap]
        ok = [r for r in window if r[3] == 200]
        nodes = sorted({n for tt, n in read_nodes if at <= tt <= at + gap})
        say(f"after '{e}': longest stretch without an acknowledged write {gap:.2f} s (from t={at:.2f}); "
            f"meanwhile {len(ok)}/{len(window)} reads answered 200; read port reached {nodes}")
    steady = [r for r in reads if r[3] == 200]
    say(f"reads answered 200: {len(steady)}/{len(reads)} over the run; every answer by status: {dict(sorted(statuses.items()))}")
    if failures: say(f"first failures: {failures[:3]}")
    print("\n".join(out))
    ok = not lost and not wrong_id and not duplicates and orphans == 0 and patients_without_case == 0 and incomplete == 0 and duplicate_patients == 0
    sys.exit(0 if ok else 1)


main()

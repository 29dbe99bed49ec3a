"""planwatch_client — a small Python client of planwatchd, written from proto/PROTOCOL.md.

Needs pyzmq and msgpack (Debian: python3-zmq, python3-msgpack).

    from planwatch_client import Feeder, Subscriber

    f = Feeder("ipc://state/ingest.sock")
    r = f.push("统计局", "tj-2026-10-001", [{
        "region": "quangang", "indicator": "gdp", "period": "2025Q4",
        "value": 1002, "unit": "亿元", "status": "flash", "yoy": 5.8}], detail=True)
    if r["type"] == "ack": ...                   # durable: r["count"], r["changed"], r["seq"],
        r["items"][0]["judged_by"]               # detail: ["quangang-14"]; [] = no plan in force
        r["items"][0]["targeted"]                # False: no plan has a target on the series
    else: print(r["code"], r["error"], r["message"], r["items"])  # nack: what was expected

An item names its series by "region" (id or alias: a department reports figures, not plans)
or, as v1 feeders do, by "plan" (a plan of the region; both: they must agree).
An item's "unit" may be any unit of the indicator's dimension ("元" for a 万元 indicator:
the daemon converts exactly); "confirm": True marks a real outlier (§3, item map).

    s = Subscriber("ipc://state/notify.sock", f, prefix="breach.", since=last_seq)
    for n in s:                                  # replayed, then live; seq order, no doubles
        print(n.seq, n.topic, n.body["gap"])     # breach.quangang.quangang-14.gdp (§4)
        last_seq = n.seq                         # persist it to resume without gaps

Subscriber(..., region="quangang") keeps one region's notices of every kind.

Replies and notice bodies are plain dicts (msgpack str -> str, bin -> bytes); unknown
fields are kept and may be ignored (§7). Requests go over one DEALER socket and are
matched to replies by id, so any number can be in flight (pipelining, §1)."""

import collections
import itertools
import os
import time

import msgpack
import zmq

PROTOCOL_VERSION = 1
MAX_BATCH = 1000
MAX_ID = 64
SINCE_PAGE = 1000

# §6: code -> stable name. Codes marked "retry" are transient.
ERRORS = {
    4: "malformed", 5: "not_found", 6: "store_error", 8: "unsupported_version",
    9: "unknown_type", 10: "too_big", 11: "bad_field", 12: "unknown_indicator",
    13: "unknown_plan", 14: "wrong_unit", 15: "bad_period", 16: "bad_value",
    17: "implausible_value", 18: "bad_status", 19: "final_locked", 20: "status_regress",
    21: "not_authorized", 22: "dept_mismatch", 23: "empty_batch", 24: "bad_utf8",
    25: "store_full", 26: "batch_rejected", 29: "denied", 30: "out_of_range",
    31: "unknown_unit", 32: "suspect_scale", 33: "ytd_decrease", 34: "yoy_mismatch",
    35: "damaged", 36: "unknown_region", 37: "derived_mismatch",
}


class PlanwatchError(Exception):
    """A request failed: no reply in time, or a reply that is not msgpack of protocol v1."""


class Timeout(PlanwatchError):
    pass


class Nack(PlanwatchError):
    """Raised by the helpers that expect a result (query, since, ...) when the daemon
    answers nack. The reply dict is in .reply; .code and .error name the error."""

    def __init__(self, reply):
        self.reply = reply
        self.code = reply.get("code")
        self.error = reply.get("error")
        super().__init__("%s (%s): %s" % (self.error, self.code, reply.get("message", "")))


def pack(msg):
    """msgpack of one request map: str as str, bytes as bin (§2)."""
    return msgpack.packb(msg, use_bin_type=True)


def unpack(frame):
    return msgpack.unpackb(frame, raw=False, strict_map_key=False)


class Client:
    """A DEALER connected to the daemon's listen endpoint.

    send() puts a request on the wire and returns its id; recv() returns the reply to
    one id (replies to other ids that arrive meanwhile are kept for their own recv()).
    call() is send() + recv(). timeout is in seconds."""

    _serial = itertools.count(1)

    def __init__(self, endpoint, timeout=5.0, context=None, curve=None):
        """curve: optional (server_public, client_public, client_secret), Z85 text."""
        self.endpoint = endpoint
        self.timeout = timeout
        self._own_ctx = context is None
        self.ctx = context or zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        if curve:
            server_public, client_public, client_secret = curve
            self.sock.curve_serverkey = server_public.encode()
            self.sock.curve_publickey = client_public.encode()
            self.sock.curve_secretkey = client_secret.encode()
        self.sock.connect(endpoint)
        self._inbox = {}  # id -> (reply dict, raw frame), arrived before asked for
        self._prefix = "py%d-%x" % (os.getpid(), int(time.time() * 1000) & 0xffffff)

    def close(self):
        self.sock.close(0)
        if self._own_ctx:
            self.ctx.term()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def new_id(self):
        return "%s-%d" % (self._prefix, next(self._serial))

    def send(self, type_, id_=None, **fields):
        """Sends one request {v, type, id, **fields}; fields whose value is None are left
        out (all optional fields may simply be absent). Returns the id."""
        id_ = id_ or self.new_id()
        if not 1 <= len(id_.encode()) <= MAX_ID:
            raise ValueError("id must be 1..%d bytes" % MAX_ID)
        msg = {"v": PROTOCOL_VERSION, "type": type_, "id": id_}
        msg.update((k, v) for k, v in fields.items() if v is not None)
        self.sock.send(pack(msg))
        return id_

    def send_raw(self, frame):
        """Sends a frame as it is (tests of malformed input)."""
        self.sock.send(frame)

    def recv(self, id_, timeout=None, raw=False):
        """The reply to id_ (a dict; with raw=True the pair (dict, frame bytes))."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while id_ not in self._inbox:
            left = deadline - time.monotonic()
            if left <= 0 or not self.sock.poll(int(left * 1000) + 1, zmq.POLLIN):
                raise Timeout("no reply to %s from %s within %.1fs" % (id_, self.endpoint,
                                                                       timeout))
            self._take()
        reply, frame = self._inbox.pop(id_)
        return (reply, frame) if raw else reply

    def recv_any(self, timeout=None):
        """The next reply to any id, or None after timeout."""
        if self._inbox:
            id_ = next(iter(self._inbox))
            return self._inbox.pop(id_)[0]
        timeout = self.timeout if timeout is None else timeout
        if not self.sock.poll(int(timeout * 1000), zmq.POLLIN):
            return None
        return self._inbox.pop(self._take())[0]

    def _take(self):
        frames = self.sock.recv_multipart()
        frame = frames[-1]  # a REQ-style empty delimiter, if any, comes first
        try:
            reply = unpack(frame)
        except Exception as e:
            raise PlanwatchError("reply is not msgpack: %s" % e) from e
        if not isinstance(reply, dict) or reply.get("v") != PROTOCOL_VERSION:
            raise PlanwatchError("reply is not a protocol v1 map: %r" % (reply,))
        id_ = reply.get("id", "")
        self._inbox[id_] = (reply, frame)
        return id_

    def call(self, type_, timeout=None, **fields):
        """One request, its reply (ack, nack or result) as a dict."""
        return self.recv(self.send(type_, **fields), timeout)

    def result(self, type_, timeout=None, **fields):
        """Like call(), but raises Nack unless the reply is a result or ack."""
        r = self.call(type_, timeout, **fields)
        if r.get("type") == "nack":
            raise Nack(r)
        return r

    # ---- the read requests of §3 ----

    def query(self, plan=None, indicator=None, from_=None, to=None, as_of=None, limit=None,
              region=None):
        """The series (latest vintage per period) of a region (region: id or alias) or, v1,
        of a plan's region; as_of (Unix ms) for the real-time view. Each item carries
        "verdicts": the stored verdict of every plan that judges its period."""
        return self.result("query", plan=plan, region=region, indicator=indicator, to=to,
                           as_of=as_of, limit=limit, **({"from": from_} if from_ else {}))

    def history(self, plan=None, indicator=None, period=None, region=None):
        """Every vintage of one period, oldest first (the series as for query)."""
        return self.result("history", plan=plan, region=region, indicator=indicator,
                           period=period)

    def status(self):
        return self.result("status")

    def since(self, seq, limit=None, prefix=None):
        """One page of the notice log after seq: {last_seq, more, items: [{seq, topic, body}]}"""
        return self.result("since", seq=seq, limit=limit, prefix=prefix or None)

    def alerts(self, plan=None, dept=None, period=None, all_=False, region=None):
        """Verdicts ("items"; as of period when given), then "overdue": the missing figures
        by (region, department, period); all_ adds the gaps never announced. region (id or
        alias), plan and dept (the 责任单位) narrow both lists."""
        return self.result("alerts", plan=plan, region=region, dept=dept, period=period,
                           all=True if all_ else None)

    def catalog(self, plan=None, region=None, sources=None):
        """The catalog's targets; sources=True adds "sources": the text (bytes) of the
        catalog files the daemon loaded for the region, region file first."""
        return self.result("catalog", plan=plan, region=region, sources=sources)

    def rejected(self, seq=None, limit=None, dept=None, time_ms=None):
        return self.result("rejected", seq=seq, limit=limit, dept=dept, time=time_ms)

    def clock_set(self, time_ms):
        """Moves the daemon's clock (only with allow_clock_set: true)."""
        return self.result("clock_set", time=time_ms)

    def tick(self):
        return self.result("tick")


class Feeder(Client):
    """A department feeder: updates answered by ack (durable) or nack."""

    def send_update(self, dept, id_, items, backfill=False, detail=False):
        """Puts one update on the wire without waiting; returns its id. detail: the ack
        lists each item's region, indicator, period and judging plans ("items")."""
        if not 1 <= len(items) <= MAX_BATCH:
            raise ValueError("an update carries 1..%d items" % MAX_BATCH)
        return self.send("update", id_, dept=dept, items=list(items),
                         backfill=True if backfill else None, detail=True if detail else None)

    def push(self, dept, id_, items, backfill=False, timeout=None, raw=False, detail=False):
        """Sends one update and waits: the ack or nack dict (raw=True: (dict, frame)).

        The same id may be resent safely: an acknowledged id gets its original ack back
        and stores nothing. On a nack with retry true, resend the same id later."""
        return self.recv(self.send_update(dept, id_, items, backfill, detail), timeout, raw)

    def push_many(self, batches, window=256, timeout=None):
        """Pipelined feeding: batches is an iterable of (dept, id, items[, backfill]).
        Keeps up to window updates in flight; returns the replies in batch order."""
        order, replies, inflight = [], {}, set()
        for b in batches:
            while len(inflight) >= window:
                self._collect(inflight, replies, timeout)
            id_ = self.send_update(*b)
            order.append(id_)
            inflight.add(id_)
        while inflight:
            self._collect(inflight, replies, timeout)
        return [replies[i] for i in order]

    def _collect(self, inflight, replies, timeout):
        r = self.recv_any(self.timeout if timeout is None else timeout)
        if r is None:
            raise Timeout("%d updates unanswered" % len(inflight))
        if r.get("id") in inflight:
            inflight.discard(r["id"])
            replies[r["id"]] = r


Notice = collections.namedtuple("Notice", "seq topic body replayed")


class Subscriber:
    """Notices without gaps or doubles (§5, the "Clone" pattern).

    Connects a SUB to the publish endpoint and subscribes to prefix first, then replays
    the log through client (a Client on the listen endpoint; kept, not owned) from
    since (the last seq already processed; 0 = everything; None = only new notices).
    next() returns Notice(seq, topic, body, replayed) in seq order, each once. region (an
    alias, as topics name it) keeps the notices of one region: those whose topic names it
    second (change.quangang.gdp, breach.quangang.quangang-14.gdp) or, in topics logged
    before the v2 scheme, a plan of it (breach.quangang-14.gdp)."""

    QUIET = 1.0  # seconds without live notices after which the log is asked once (§5.4)

    def __init__(self, pub_endpoint, client, prefix="", since=0, context=None, curve=None,
                 page=SINCE_PAGE, region=None):
        self.client = client
        self.prefix = prefix or ""
        self.region = region
        self.page = page
        self._own_ctx = context is None
        self.ctx = context or zmq.Context()
        self.sock = self.ctx.socket(zmq.SUB)
        self.sock.setsockopt(zmq.LINGER, 0)
        if curve:
            server_public, client_public, client_secret = curve
            self.sock.curve_serverkey = server_public.encode()
            self.sock.curve_publickey = client_public.encode()
            self.sock.curve_secretkey = client_secret.encode()
        # 1. Subscribe first: whatever is published from now on is live or in the log.
        self.sock.setsockopt(zmq.SUBSCRIBE, self.prefix.encode())
        self.sock.connect(pub_endpoint)
        self._queue = collections.deque()
        self._more = False
        self._synced = False  # a since call was made after the last live notice
        self.replays = 0  # since calls made (for tests and curiosity)
        if since is None:
            self.last = self.client.since(0, limit=1)["last_seq"]
        else:
            # 2. Replay from the log; next() pages on while "more" is true.
            self.last = since
            self._replay()

    def close(self):
        self.sock.close(0)
        if self._own_ctx:
            self.ctx.term()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        while True:
            n = self.next()
            if n is not None:
                yield n

    def _replay(self):
        r = self.client.since(self.last, limit=self.page, prefix=self.prefix)
        self.replays += 1
        self._more = bool(r.get("more"))
        for it in r.get("items", []):
            self._queue.append(Notice(it["seq"], it["topic"], it["body"], True))

    def _wanted(self, topic):
        if not self.region:
            return True
        parts = topic.split(".")
        return len(parts) > 2 and (parts[1] == self.region or
                                   parts[1].startswith(self.region + "-"))

    def next(self, timeout=None):
        """The next notice, or None when none came within timeout seconds (None = wait)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            n = self._next(deadline)
            if n is None or self._wanted(n.topic):
                return n

    def _next(self, deadline):
        while True:
            while self._queue:
                n = self._queue.popleft()
                if n.seq > self.last:
                    self.last = n.seq
                    return n
            if self._more:
                self._replay()
                continue
            left = None if deadline is None else deadline - time.monotonic()
            wait = self.QUIET if left is None else max(0.0, min(left, self.QUIET))
            if not self.sock.poll(int(wait * 1000), zmq.POLLIN):
                # 4. Quiet: one since call closes the window between the end of the
                # replay and the subscription becoming active (once per quiet spell).
                if not self._synced:
                    self._synced = True
                    self._replay()
                    continue
                if left is not None and left <= wait:
                    return None
                continue
            frames = self.sock.recv_multipart()
            if len(frames) != 2:
                continue
            topic, body = frames[0].decode("utf-8", "replace"), unpack(frames[1])
            seq = body.get("seq", 0)
            self._synced = False
            # 3. Drop what the replay delivered; on a jump ask the log (without a prefix
            # a jump means notices were lost; with one it is usually other topics). The
            # notice itself comes back from the log: it is logged before it is published.
            if seq <= self.last:
                continue
            if seq != self.last + 1:
                self._replay()
                continue
            self.last = seq
            return Notice(seq, topic, body, False)

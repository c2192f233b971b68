// The save queue: every save is queued first, then sent; a save made while the server is down
// waits and is replayed later with the same Idempotency-Key, so the server never makes two.
import { load, store, mutex } from "./browser.js";
import * as api from "./api.js";

const locked = mutex();
let draining = null;

/** Queue items: {key, body, lists, state, attempts, error, created, entry?} */
export async function items() {
  return load("queue", []);
}

async function update(fn) {
  return locked(async () => {
    const queue = await load("queue", []);
    const result = await fn(queue);
    await store({ queue });
    return result;
  });
}

export async function enqueue(body, { lists = [] } = {}) {
  const item = {
    key: crypto.randomUUID(),
    body,
    lists,
    state: "pending",
    attempts: 0,
    error: "",
    created: Date.now(),
  };
  await update((queue) => queue.push(item));
  return item.key;
}

/** Send what can be sent, oldest first. Stops at the first "server unreachable". */
export function drain() {
  if (!draining) {
    draining = drainOnce().finally(() => {
      draining = null;
    });
  }
  return draining;
}

const MAX_DONE = 20;

async function drainOnce() {
  const results = {};
  for (;;) {
    const queue = await items();
    const next = queue.find((i) => i.state === "pending" || i.state === "waiting");
    if (!next) break;
    if (!(await load("token", ""))) {
      await setState(next.key, { state: "waiting", error: "Log in to send queued saves." });
      break;
    }
    await setState(next.key, { state: "sending", attempts: next.attempts + 1 });
    try {
      const { data, status } = await api.save(next.body, next.key);
      for (const listId of next.lists || []) {
        try {
          await api.addToList(listId, data.id, `${next.key}:list:${listId}`);
        } catch {
          /* the entry is saved; a list that refuses it does not undo that */
        }
      }
      results[next.key] = { ok: true, created: status === 201, entry: data };
      await update((q) => {
        const i = q.findIndex((x) => x.key === next.key);
        if (i >= 0) q.splice(i, 1);
        q.push({ ...next, state: "done", error: "", entry: { id: data.id, library: data.library }, done: Date.now() });
        const done = q.filter((x) => x.state === "done");
        for (const old of done.slice(0, Math.max(0, done.length - MAX_DONE))) q.splice(q.indexOf(old), 1);
      });
    } catch (error) {
      const retry = !(error instanceof api.ApiError) || error.offline || error.status === 401 || error.status === 410;
      await setState(next.key, { state: retry ? "waiting" : "failed", error: error.message });
      results[next.key] = { ok: false, queued: retry, error: error.message, status: error.status };
      if (retry) break;
    }
  }
  return results;
}

async function setState(key, changes) {
  await update((queue) => {
    const item = queue.find((i) => i.key === key);
    if (item) Object.assign(item, changes);
  });
}

export async function remove(key) {
  await update((queue) => {
    const i = queue.findIndex((x) => x.key === key);
    if (i >= 0) queue.splice(i, 1);
  });
}

/** A "sending" item left by a worker that was killed mid-request goes back to waiting. */
export async function recover() {
  await update((queue) => {
    for (const item of queue) if (item.state === "sending") item.state = "waiting";
  });
}

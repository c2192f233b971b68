// The only module that calls fetch. Every request goes to the configured server and nowhere else.
import { ext, load, store } from "./browser.js";

export class ApiError extends Error {
  constructor(status, body, message) {
    super(message || `HTTP ${status}`);
    this.status = status; // 0: the server could not be reached
    this.body = body;
  }
  get offline() {
    return this.status === 0 || this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** "https://papers.example.org/" -> "https://papers.example.org" (origin plus an optional path prefix). */
export function normalizeServer(value) {
  const url = new URL(String(value || "").trim());
  if (!/^https?:$/.test(url.protocol)) throw new Error("The server URL must start with http:// or https://");
  return (url.origin + url.pathname).replace(/\/+$/, "");
}

export async function serverUrl() {
  const settings = await load("settings", {});
  return settings.server || "";
}

/** Fired when the server says the token is gone (401/410). */
const tokenListeners = new Set();
export function onTokenDropped(fn) {
  tokenListeners.add(fn);
}

async function dropToken() {
  await ext.storage.local.remove(["token", "user"]);
  for (const fn of tokenListeners) fn();
}

/**
 * fetch against the configured server. `path` is relative to it ("/api/v1/save"); absolute URLs
 * are refused so nothing can leave for another host.
 */
export async function request(method, path, { body, headers = {}, auth = true, server } = {}) {
  if (!path.startsWith("/")) throw new Error(`Refusing a request outside the server: ${path}`);
  const base = server || (await serverUrl());
  if (!base) throw new ApiError(0, null, "No server configured: open the options page.");
  const token = auth ? await load("token", "") : "";
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "omit", cache: "no-store" };
  if (token) init.headers["X-Session-Token"] = token;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch (error) {
    throw new ApiError(0, null, `Server unreachable (${error.message})`);
  }
  let data = null;
  const text = await response.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  const gone = response.status === 401 || (response.status === 410 && !path.includes("/changes"));
  if (gone && auth && token) {
    await dropToken();
  }
  if (!response.ok && response.status !== 304) {
    throw new ApiError(response.status, data, errorMessage(response.status, data));
  }
  return { status: response.status, data, headers: response.headers };
}

function errorMessage(status, data) {
  if (data && typeof data === "object") {
    if (data.detail) return String(data.detail);
    if (Array.isArray(data.errors) && data.errors.length) return data.errors.map((e) => e.message).join(" ");
    const first = Object.entries(data)[0];
    if (first) return `${first[0]}: ${[].concat(first[1]).join(" ")}`;
  }
  return `HTTP ${status}`;
}

// ---- auth (django-allauth headless, "app" client) -----------------------------------------

export async function login(server, email, password) {
  const { data } = await request("POST", "/_allauth/app/v1/auth/login", {
    body: { email, password },
    auth: false,
    server,
  });
  const token = data && data.meta && data.meta.session_token;
  if (!token) throw new ApiError(200, data, "The server did not return a session token.");
  await store({ token, user: (data.data && data.data.user) || {} });
  return data.data.user;
}

export async function logout() {
  try {
    await request("DELETE", "/_allauth/app/v1/auth/session");
  } catch (error) {
    if (!(error instanceof ApiError) || (error.status !== 401 && error.status !== 410)) {
      // Unreachable server: forget the token locally anyway.
    }
  }
  await ext.storage.local.remove(["token", "user"]);
}

// ---- reading-list API ---------------------------------------------------------------------

export const save = (body, idempotencyKey) =>
  request("POST", "/api/v1/save", { body, headers: { "Idempotency-Key": idempotencyKey } });

export const lookup = (items) => request("POST", "/api/v1/lookup", { body: { items } });

async function allPages(path) {
  const out = [];
  let next = path;
  for (let i = 0; next && i < 50; i++) {
    const { data } = await request("GET", next);
    out.push(...(data.results || data));
    if (!data.next) break;
    const url = new URL(data.next);
    next = url.pathname.replace(new URL(await serverUrl()).pathname.replace(/\/$/, ""), "") + url.search;
  }
  return out;
}

export const libraries = () => allPages("/api/v1/libraries/");
export const tags = (library) => allPages(`/api/v1/tags/?library=${encodeURIComponent(library)}`);
export const lists = (library) => allPages(`/api/v1/lists/?library=${encodeURIComponent(library)}`);
export const addToList = (listId, entryId, idempotencyKey) =>
  request("POST", `/api/v1/lists/${encodeURIComponent(listId)}/items/`, {
    body: { entry: entryId },
    headers: { "Idempotency-Key": idempotencyKey },
  });

/** The unread notification count: `{unread_count, results}` (one result at most). */
export const unreadNotifications = () => request("GET", "/api/v1/notifications/?unread=true&limit=1");

/** The entry as a reference in `style` (a citation style, or "bibtex"). */
export const cite = (entryId, style) =>
  request("GET", `/api/v1/entries/${encodeURIComponent(entryId)}/cite?style=${encodeURIComponent(style)}`);

export const changes = (library, since, cursor) =>
  request(
    "GET",
    `/api/v1/libraries/${encodeURIComponent(library)}/changes?since=${since}&limit=500` +
      (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""),
  );

// ---- highlights (W3C selectors; the server names each author and links its discussion) ----

export const highlights = (entryId) => allPages(`/api/v1/highlights/?entry=${encodeURIComponent(entryId)}`);
export const createHighlight = (body, idempotencyKey) =>
  request("POST", "/api/v1/highlights/", { body, headers: { "Idempotency-Key": idempotencyKey } });
export const updateHighlight = (id, body) => request("PATCH", `/api/v1/highlights/${encodeURIComponent(id)}/`, { body });
export const deleteHighlight = (id) => request("DELETE", `/api/v1/highlights/${encodeURIComponent(id)}/`);

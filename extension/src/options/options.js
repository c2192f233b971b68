import { ext } from "../browser.js";

const $ = (id) => document.getElementById(id);
const send = (message) => ext.runtime.sendMessage(message);

function originPattern(server) {
  const url = new URL(server);
  return `${url.protocol}//${url.hostname}/*`;
}

async function refresh() {
  const status = await send({ type: "status" });
  $("server").value = status.settings.server || "";
  $("account").textContent = status.loggedIn
    ? `Logged in as ${(status.user && (status.user.email || status.user.display)) || "you"}.`
    : "Not logged in.";
  $("login-form").hidden = status.loggedIn;
  $("logout").hidden = !status.loggedIn;
  $("defaults").hidden = !status.loggedIn;
  if (status.loggedIn) await fillLibraries(status.settings);
}

/** The libraries you can save to; the chosen one is where one-click saves go. */
async function fillLibraries(settings) {
  const libraries = await send({ type: "libraries" });
  const select = $("default-library");
  select.replaceChildren();
  const usable = (Array.isArray(libraries) ? libraries : []).filter((lib) => lib.can_edit !== false);
  for (const lib of usable) {
    const option = document.createElement("option");
    option.value = String(lib.id);
    option.textContent = lib.kind === "personal" ? `${lib.name} (personal)` : lib.name;
    select.append(option);
  }
  const personal = usable.find((lib) => lib.kind === "personal");
  const current = settings.defaultLibrary ?? (personal && personal.id);
  if (current != null) select.value = String(current);
}

$("default-library").addEventListener("change", async () => {
  const select = $("default-library");
  const answer = await send({ type: "set-defaults", library: Number(select.value) });
  $("default-status").textContent = answer && answer.error
    ? `Could not save: ${answer.error}`
    : `One-click saves go to ${select.selectedOptions[0].textContent.replace(/ \(personal\)$/, "")}.`;
});

$("server-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = $("server").value.trim();
  try {
    const pattern = originPattern(value);
    // Ask for this host only, at run time (must stay inside the click's user gesture).
    const granted =
      (await ext.permissions.contains({ origins: [pattern] })) || (await ext.permissions.request({ origins: [pattern] }));
    if (!granted) {
      $("server-status").textContent = `Permission for ${pattern} was not granted.`;
      return;
    }
    const answer = await send({ type: "set-server", server: value });
    if (answer.error) throw new Error(answer.error);
    $("server-status").textContent = `Server set to ${answer.server}.`;
  } catch (error) {
    $("server-status").textContent = error.message;
  }
  refresh();
});

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-status").textContent = "Logging in…";
  const answer = await send({ type: "login", email: $("email").value, password: $("password").value });
  $("password").value = "";
  $("login-status").textContent = answer.error ? `Login failed: ${answer.error}` : "Logged in.";
  refresh();
});

$("logout").addEventListener("click", async () => {
  await send({ type: "logout" });
  $("login-status").textContent = "Logged out.";
  refresh();
});

refresh();

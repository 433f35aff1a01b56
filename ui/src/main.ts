import { ApiError, ReviewApi, type SignedIn } from './api.ts';
import type { Context, View } from './context.ts';
import { h, mount } from './dom.ts';
import { type Command, commandFor, SHORTCUTS } from './keyboard.ts';
import { dashboardView } from './views/dashboard-view.ts';
import { itemView } from './views/item-view.ts';
import { queueView } from './views/queue-view.ts';
import { SEARCH_FIELDS, searchView } from './views/search-view.ts';

const api = new ReviewApi();
const root = document.getElementById('app')!;
const status = h('div', { className: 'status', attrs: { role: 'status', 'aria-live': 'polite' }, dataset: { testid: 'status' } });
const help = h(
  'div',
  { className: 'help', attrs: { hidden: '' } },
  h('h3', {}, 'Keyboard'),
  h('dl', {}, ...SHORTCUTS.flatMap((shortcut) => [h('dt', {}, h('kbd', {}, shortcut.key)), h('dd', {}, shortcut.what)])),
);

function notify(message: string, kind: 'info' | 'error' = 'info'): void {
  status.textContent = message;
  status.className = `status ${kind}`;
}

function fail(error: unknown): void {
  if (error instanceof ApiError) {
    if (error.code === 'NOT_SIGNED_IN') {
      showSignIn('Your session has ended; sign in again.');
      return;
    }
    notify(`${error.code}: ${error.message}`, 'error');
  } else {
    notify(`Something went wrong: ${error instanceof Error ? error.message : String(error)}`, 'error');
  }
}

let view: View | null = null;
let session: SignedIn | null = null;

function route(ctx: Context): View {
  const hash = location.hash || '#/queue';
  const item = /^#\/items\/(\d+)$/.exec(hash);
  if (item) return itemView(ctx, Number(item[1]));
  if (hash.startsWith('#/search')) {
    const params = new URLSearchParams(hash.split('?')[1] ?? '');
    const field = SEARCH_FIELDS.find((name) => params.has(name));
    return searchView(ctx, field ? { by: field, value: params.get(field)! } : null);
  }
  if (hash === '#/dashboard') return dashboardView(ctx);
  return queueView(ctx);
}

function render(): void {
  if (session === null) return;
  view?.dispose?.();
  const ctx: Context = { api, session, notify, fail };
  view = route(ctx);
  const current = location.hash.split('?')[0] || '#/queue';
  const link = (href: string, label: string, key: string) =>
    h('a', { attrs: { href, ...(current.startsWith(href) ? { 'aria-current': 'page' } : {}) } }, label, ' ', h('kbd', {}, key));
  mount(
    root,
    h(
      'header',
      {},
      h('h1', {}, 'Loupe review'),
      h('nav', {}, link('#/queue', 'Queue', 'q'), link('#/search', 'Search', '/'), link('#/dashboard', 'Dashboard', 'd')),
      h(
        'div',
        { className: 'who' },
        h('span', { dataset: { testid: 'user' } }, `${session.username} (${session.role})`),
        h('button', { attrs: { type: 'button' }, on: { click: () => void signOut() } }, 'Sign out'),
      ),
    ),
    status,
    help,
    h('main', {}, view.element),
  );
}

async function signOut(): Promise<void> {
  try {
    await api.signOut();
  } catch (error) {
    fail(error);
  }
  showSignIn('Signed out.');
}

function showSignIn(message = ''): void {
  view?.dispose?.();
  view = null;
  session = null;
  const username = h('input', { attrs: { id: 'username', name: 'username', autocomplete: 'username', required: '' } });
  const password = h('input', { attrs: { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: '' } });
  const error = h('p', { className: 'error', attrs: { role: 'alert' } }, message);
  const form = h(
    'form',
    {
      className: 'sign-in',
      on: {
        submit: (event) => {
          event.preventDefault();
          api.signIn(username.value, password.value).then(
            (signedIn) => {
              session = signedIn;
              notify(`Signed in as ${signedIn.username}. Press ? for the keyboard shortcuts.`);
              render();
            },
            (reason: unknown) => {
              error.textContent = reason instanceof ApiError ? reason.message : 'Could not reach the review service.';
            },
          );
        },
      },
    },
    h('h1', {}, 'Loupe review'),
    h('label', { attrs: { for: 'username' } }, 'Username'),
    username,
    h('label', { attrs: { for: 'password' } }, 'Password'),
    password,
    h('button', { className: 'primary', attrs: { type: 'submit' } }, 'Sign in'),
    error,
  );
  mount(root, form);
  username.focus();
}

const NAVIGATION: Partial<Record<Command, string>> = { queue: '#/queue', search: '#/search', dashboard: '#/dashboard' };

document.addEventListener('keydown', (event) => {
  if (session === null) return;
  const target = event.target as HTMLElement | null;
  const inTextField = target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
  const command = commandFor({ key: event.key, ctrlKey: event.ctrlKey, metaKey: event.metaKey, altKey: event.altKey, inTextField });
  if (command === null) return;
  event.preventDefault();
  if (command === 'leave-field') {
    target?.blur();
  } else if (command === 'help') {
    help.hidden = !help.hidden;
  } else if (NAVIGATION[command] !== undefined) {
    location.hash = NAVIGATION[command]!;
  } else {
    view?.onCommand?.(command);
  }
});
window.addEventListener('hashchange', render);

api.currentSession().then(
  (signedIn) => {
    if (signedIn === null) {
      showSignIn();
    } else {
      session = signedIn;
      render();
    }
  },
  (error: unknown) => {
    showSignIn();
    fail(error);
  },
);

/** Sign in with an admin's email and password (POST /v1/auth/login); tokens stay in memory. */
import type { Ctx, Mounted } from '../context';
import { errorNote } from '../context';
import { field, h } from '../dom';

export function signInView(ctx: Ctx, signedIn: () => void): Mounted {
  const email = h('input', {
    type: 'email',
    name: 'email',
    autocomplete: 'username',
    required: true,
    maxlength: 254,
  });
  const password = h('input', {
    type: 'password',
    name: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 200,
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const message = h('div', { class: 'form-message' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h(
      'div',
      { class: 'signin-brand' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }),
      'Meridian',
    ),
    h('h1', { id: 'signin-title' }, 'Operations console'),
    h('p', { class: 'muted' }, 'Sign in with an admin account.'),
    field('Email', email),
    field('Password', password),
    submit,
    message,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    message.replaceChildren();
    try {
      const me = await ctx.session.signIn(email.value.trim(), password.value);
      password.value = '';
      ctx.notify(`Signed in as ${me.email}.`, 'ok');
      signedIn();
    } catch (error) {
      message.replaceChildren(errorNote('Sign-in failed', error));
      submit.disabled = false;
      submit.textContent = 'Sign in';
      password.focus();
    }
  });
  queueMicrotask(() => email.focus());
  return { node: form };
}

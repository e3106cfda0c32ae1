// cargo-leptos starts the server and the tests together: wait until the site answers.
export default async function globalSetup() {
  const base = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/login`);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the server at ${base} did not come up`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// The Deployment's probes: answers while the Node server serves requests. It does not ask the api, so a
// slow api never restarts the frontend; /status (the page) shows the api's own state.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok' }, { headers: { 'Cache-Control': 'no-store' } });
}

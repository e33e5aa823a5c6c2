// /status, not /health: the gateway sends /health* to the api (render_gateway.cpp).
import type { Metadata } from 'next';
import { apiProbe, apiRequest } from '@/lib/api';
import { plainMessage } from '@/lib/errors';
import { describeProbe, healthEndpoints } from '@/lib/health';
import type { ModelInfo } from '@/lib/types';
import HealthTable from '@/components/HealthTable';
import ModelsTable from '@/components/ModelsTable';
import ErrorMessage from '@/components/ErrorMessage';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Platform health' };

export default async function HealthPage() {
  const [probes, models] = await Promise.all([
    Promise.all(healthEndpoints.map(async (e) => ({ e, r: await apiProbe(e.path) }))),
    apiRequest<{ models: ModelInfo[] }>('/api/v1/models'),
  ]);
  const rows = probes.map(({ e, r }) => describeProbe(e.name, e.path, r.status, r.body));
  return (
    <>
      <h1>Platform health</h1>
      <p>Checked now, from the frontend&apos;s server; reload the page to check again.</p>
      <h2>Services</h2>
      <HealthTable rows={rows} />
      <h2>Models</h2>
      {models.ok ? <ModelsTable models={models.data.models} /> : <ErrorMessage message={plainMessage(models.failure)} />}
    </>
  );
}

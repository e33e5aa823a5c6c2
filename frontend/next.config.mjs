/** @type {import('next').NextConfig} */
const nextConfig = {
  // A self-contained server (.next/standalone/server.js) with only the node_modules it uses: the image copies it.
  output: 'standalone',
  poweredByHeader: false,
  reactStrictMode: true,
  experimental: {
    serverActions: {
      // The api decides what is too large (BODY_LIMIT_BYTES, 2 MiB by default) and says 413; the frontend's own
      // limit matches the gateway's client_max_body_size so that the api's answer is the one a person sees.
      bodySizeLimit: '10mb',
    },
  },
};

export default nextConfig;

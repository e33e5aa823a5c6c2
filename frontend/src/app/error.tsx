'use client';

export default function ErrorPage({ reset }: { error: Error; reset: () => void }) {
  return (
    <>
      <h1>Something went wrong</h1>
      <div className="alert" role="alert">
        The page could not be shown. Try again; if it keeps failing, check the platform&apos;s health page.
      </div>
      <button type="button" onClick={reset}>
        Try again
      </button>
    </>
  );
}

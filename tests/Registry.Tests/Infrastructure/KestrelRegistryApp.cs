namespace Registry.Tests.Infrastructure;

/// <summary>
/// The API behind a real Kestrel server on a free port, for what the in-memory test server does not reproduce:
/// HttpClient then sends a body of unknown length with Transfer-Encoding: chunked, as a client streaming it would.
/// </summary>
public class KestrelRegistryApp : RegistryApp
{
    public KestrelRegistryApp()
    {
        UseKestrel(0);
        // The redirect handler buffers every request body to be able to resend it, which gives it a Content-Length.
        ClientOptions.AllowAutoRedirect = false;
    }
}

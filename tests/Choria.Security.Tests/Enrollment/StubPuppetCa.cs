using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Choria.Security.Dev;

namespace Choria.Security.Tests.Enrollment;

internal sealed record RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A minimal Puppet CA v1 over HTTPS on 127.0.0.1: one request per connection (Connection: close),
/// signs the CSR it was sent with a throw-away CA after <see cref="UnsignedAnswers"/> 404s.
/// Enrollment against the real puppetserver is tested in tests/Choria.PuppetCa.Tests; this stub stays for what
/// the real server cannot show: the exact requests sent (targets, headers, body), a CA that serves an
/// impostor certificate or a non-PEM CA, and millisecond wait limits, all in the fast suite.
/// </summary>
internal sealed class StubPuppetCa : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2 _serverCertificate;
    private readonly Task _loop;
    private string? _csr;
    private int _certificateGets;

    public StubPuppetCa(string dir, int unsignedAnswers = 2)
    {
        Ca = DevCertificateAuthority.Create(Path.Combine(dir, "ca"), "Stub Puppet CA");
        var issued = Ca.IssueCertificate("localhost", [], Path.Combine(dir, "server"));
        _serverCertificate = X509Certificate2.CreateFromPemFile(issued.CertificatePath, issued.PrivateKeyPath);
        CaPem = File.ReadAllText(Ca.CaPath);
        UnsignedAnswers = unsignedAnswers;
        _listener.Start();
        _loop = AcceptLoopAsync();
    }

    public DevCertificateAuthority Ca { get; }

    /// <summary>What <c>GET certificate/ca</c> answers.</summary>
    public string CaPem { get; set; }

    public int UnsignedAnswers { get; set; }

    /// <summary>When set, the PUT is refused with HTTP 400 and this body.</summary>
    public string? RefuseSubmission { get; set; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _serverCertificate.Dispose();
        Ca.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _serverCertificate }, _stop.Token);
                var request = await ReadRequestAsync(tls);
                Requests.Enqueue(request);
                var (status, body) = Answer(request);
                var bytes = Encoding.ASCII.GetBytes(body);
                var head = $"HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await tls.WriteAsync(bytes, _stop.Token);
                await tls.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // Clients that reject our certificate hang up mid-handshake; that is part of some tests.
            }
        }
    }

    private (int Status, string Body) Answer(RecordedRequest request)
    {
        const string prefix = "/puppet-ca/v1/";
        const string query = "?environment=production";
        if (!request.Target.StartsWith(prefix, StringComparison.Ordinal) || !request.Target.EndsWith(query, StringComparison.Ordinal))
        {
            return (400, "bad target");
        }

        var path = request.Target[prefix.Length..^query.Length];
        if (request.Method == "GET" && path == "certificate/ca")
        {
            return (200, CaPem);
        }

        if (request.Method == "PUT" && path.StartsWith("certificate_request/", StringComparison.Ordinal))
        {
            if (RefuseSubmission is not null)
            {
                return (400, RefuseSubmission);
            }

            _csr = request.Body;
            return (200, "");
        }

        if (request.Method == "GET" && path.StartsWith("certificate/", StringComparison.Ordinal))
        {
            if (Interlocked.Increment(ref _certificateGets) <= UnsignedAnswers || _csr is null)
            {
                return (404, "Not Found: Could not find certificate " + path["certificate/".Length..]);
            }

            return (200, Sign(_csr));
        }

        return (404, "no such endpoint");
    }

    private string Sign(string csrPem)
    {
        var request = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(Ca.Certificate, now.AddDays(-1), now.AddYears(1), RandomNumberGenerator.GetBytes(8));
        return certificate.ExportCertificatePem() + "\n";
    }

    private static async Task<RecordedRequest> ReadRequestAsync(Stream stream)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (!EndsWithBlankLine(buffer))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("connection closed before the request headers ended");
            }

            buffer.Add(one[0]);
        }

        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = Array.Empty<byte>();
        if (headers.TryGetValue("Content-Length", out var length) && int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var n)
        {
            body = new byte[n];
            await stream.ReadExactlyAsync(body);
        }

        return new RecordedRequest(requestLine[0], requestLine[1], headers, Encoding.ASCII.GetString(body));
    }

    private static bool EndsWithBlankLine(List<byte> b) =>
        b.Count >= 4 && b[^4] == '\r' && b[^3] == '\n' && b[^2] == '\r' && b[^1] == '\n';
}

using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Security.Enrollment;

/// <summary>Input of <see cref="PuppetCaEnroller"/>.</summary>
public sealed record PuppetCaEnrollerOptions
{
    public PuppetCaEndpoint Endpoint { get; init; } = new(PuppetCaEndpoint.DefaultHost, PuppetCaEndpoint.DefaultPort);

    /// <summary>Pause between certificate downloads; 10 s like Choria, tests shorten it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound for the whole enrollment (<c>choria enroll</c> waits 250 s).</summary>
    public TimeSpan WaitLimit { get; init; } = TimeSpan.FromSeconds(250);
}

/// <summary>
/// Obtains a certificate from a Puppet CA for a <see cref="PuppetSecurityProvider"/> ssldir (docs/security.md):
/// key, CA, CSR, submission and polling, each step skipped when its file already exists.
/// </summary>
public sealed partial class PuppetCaEnroller
{
    public const string UserAgent = "Choria Orchestrator - http://choria.io";
    private const string Query = "?environment=production";

    private readonly PuppetSecurityProvider _provider;
    private readonly PuppetCaEnrollerOptions _options;
    private readonly ILogger _logger;

    public PuppetCaEnroller(PuppetSecurityProvider provider, PuppetCaEnrollerOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(options);
        _provider = provider;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Key, CA and certificate all exist: <c>choria enroll</c> refuses to run.</summary>
    public bool IsEnrolled =>
        File.Exists(_provider.PrivateKeyPath) && File.Exists(_provider.CaPath) && File.Exists(_provider.CertificatePath);

    /// <summary>
    /// Runs the enrollment. <paramref name="onAttempt"/> is told the number (from 1) of each certificate download.
    /// Failures, including the wait limit, throw <see cref="EnrollmentException"/>.
    /// </summary>
    public async Task EnrollAsync(Action<int>? onAttempt, CancellationToken cancellationToken)
    {
        if (IsEnrolled)
        {
            throw new EnrollmentException($"already enrolled: {_provider.PrivateKeyPath}, {_provider.CaPath} and {_provider.CertificatePath} exist");
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.WaitLimit);
        try
        {
            await RunStepsAsync(onAttempt, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new EnrollmentException($"no signed certificate for {_provider.Identity} was received within {_options.WaitLimit.TotalSeconds:0} seconds");
        }
        catch (HttpRequestException e)
        {
            throw new EnrollmentException($"could not communicate with the Puppet CA at {_options.Endpoint.BaseUri}: {e.Message}", e);
        }
    }

    private async Task RunStepsAsync(Action<int>? onAttempt, CancellationToken cancellationToken)
    {
        _provider.CreateDirectories();
        using var key = LoadOrCreateKey();

        if (!File.Exists(_provider.CaPath))
        {
            await FetchCaAsync(cancellationToken).ConfigureAwait(false);
        }

        var csrCreated = false;
        if (!File.Exists(_provider.CsrPath))
        {
            WriteCsr(key);
            csrCreated = true;
        }

        if (File.Exists(_provider.CertificatePath))
        {
            return;
        }

        using var client = CreateVerifiedClient(LoadCa());
        await SubmitCsrAsync(client, csrCreated, cancellationToken).ConfigureAwait(false);
        await PollCertificateAsync(client, onAttempt, cancellationToken).ConfigureAwait(false);
    }

    private RSA LoadOrCreateKey()
    {
        if (!File.Exists(_provider.PrivateKeyPath))
        {
            var created = RSA.Create(2048);
            try
            {
                UnixFiles.WriteFile(_provider.PrivateKeyPath, Encoding.ASCII.GetBytes(created.ExportRSAPrivateKeyPem() + "\n"), UnixFiles.Mode0640);
            }
            catch
            {
                created.Dispose();
                throw;
            }

            LogKeyCreated(_logger, _provider.PrivateKeyPath);
            return created;
        }

        // Go cannot continue from an existing key without a CSR; loading it lets a half-finished run resume.
        var key = RSA.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(_provider.PrivateKeyPath));
            return key;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new EnrollmentException($"could not load the private key {_provider.PrivateKeyPath}: {e.Message}", e);
        }
    }

    private async Task FetchCaAsync(CancellationToken cancellationToken)
    {
        // Nothing to verify the CA's TLS certificate with yet; this one request trusts whatever answers.
#pragma warning disable CA5359 // docs/security.md: the CA is fetched unverified by design
        using var handler = CreateHandler((_, _, _, _) => true);
#pragma warning restore CA5359
        using var client = CreateClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, Url("certificate/ca"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        LogFetchingCa(_logger, request.RequestUri!);
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new EnrollmentException($"could not fetch the CA certificate: {(int)response.StatusCode}: {body.Trim()}");
        }

        if (ParseCertificates(body).Count == 0)
        {
            throw new EnrollmentException("the CA certificate received from the Puppet CA is not a PEM certificate");
        }

        UnixFiles.WriteFile(_provider.CaPath, Encoding.ASCII.GetBytes(body), UnixFiles.Mode0644);
    }

    private void WriteCsr(RSA key)
    {
        var subject = new X500DistinguishedNameBuilder();
        // The builder encodes in reverse order of addition; this yields Go's DER order (OU, then CN).
        subject.AddCommonName(_provider.Identity);
        subject.AddOrganizationalUnitName("choria.io");
        var request = new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        UnixFiles.WriteFile(_provider.CsrPath, Encoding.ASCII.GetBytes(request.CreateSigningRequestPem() + "\n"), UnixFiles.Mode0640);
        LogCsrCreated(_logger, _provider.CsrPath);
    }

    private async Task SubmitCsrAsync(HttpClient client, bool csrCreated, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Url("certificate_request/" + Uri.EscapeDataString(_provider.Identity)))
        {
            Content = new ByteArrayContent(await File.ReadAllBytesAsync(_provider.CsrPath, cancellationToken).ConfigureAwait(false)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            LogCsrSubmitted(_logger, _provider.Identity);
            return;
        }

        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();

        // A re-run after an earlier submission gets "already has a requested certificate"; polling still works then.
        if (csrCreated)
        {
            throw new EnrollmentException($"could not submit the certificate request: {(int)response.StatusCode}: {body}");
        }

        LogCsrRefused(_logger, (int)response.StatusCode, body);
    }

    private async Task PollCertificateAsync(HttpClient client, Action<int>? onAttempt, CancellationToken cancellationToken)
    {
        var url = Url("certificate/" + Uri.EscapeDataString(_provider.Identity));
        for (var attempt = 1; ; attempt++)
        {
            onAttempt?.Invoke(attempt);
            using (var request = new HttpRequestMessage(HttpMethod.Get, url))
            {
                using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    if (ParseCertificates(body).Count == 0)
                    {
                        throw new EnrollmentException("the certificate received from the Puppet CA is not a PEM certificate");
                    }

                    UnixFiles.WriteFile(_provider.CertificatePath, Encoding.ASCII.GetBytes(body), UnixFiles.Mode0644);
                    return;
                }

                LogNotSigned(_logger, _provider.Identity, (int)response.StatusCode);
            }

            await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private X509Certificate2Collection LoadCa()
    {
        var roots = ParseCertificates(File.ReadAllText(_provider.CaPath));
        return roots.Count > 0 ? roots : throw new EnrollmentException($"{_provider.CaPath} holds no PEM certificate");
    }

    private static X509Certificate2Collection ParseCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            collection.Clear();
        }

        return collection;
    }

    private static HttpClient CreateVerifiedClient(X509Certificate2Collection roots)
    {
        var handler = CreateHandler((_, certificate, chain, errors) => VerifyAgainst(roots, certificate, chain, errors));
        return CreateClient(handler, disposeHandler: true);
    }

    private static bool VerifyAgainst(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(leaf);
    }

    private static SocketsHttpHandler CreateHandler(RemoteCertificateValidationCallback validation) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = validation,
        },
    };

    private static HttpClient CreateClient(HttpMessageHandler handler, bool disposeHandler = false)
    {
        var client = new HttpClient(handler, disposeHandler) { Timeout = Timeout.InfiniteTimeSpan };
        // Not a valid RFC 9110 product token, but it is the exact string Choria sends.
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", UserAgent);
        return client;
    }

    private Uri Url(string path) => new(_options.Endpoint.BaseUri, "/puppet-ca/v1/" + path + Query);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created a new RSA key in {Path}")]
    private static partial void LogKeyCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Fetching the CA certificate from {Url} without TLS verification")]
    private static partial void LogFetchingCa(ILogger logger, Uri url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created a certificate request in {Path}")]
    private static partial void LogCsrCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Submitted the certificate request for {Certname}")]
    private static partial void LogCsrSubmitted(ILogger logger, string certname);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Puppet CA refused the existing certificate request ({Status}: {Body}), waiting for it to be signed")]
    private static partial void LogCsrRefused(ILogger logger, int status, string body);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No certificate for {Certname} yet (HTTP {Status})")]
    private static partial void LogNotSigned(ILogger logger, string certname, int status);
}

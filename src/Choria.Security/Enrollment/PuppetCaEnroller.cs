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
    public Task EnrollAsync(Action<int>? onAttempt, CancellationToken cancellationToken) =>
        EnrollAsync(onAttempt, onSubmitted: null, cancellationToken);

    /// <summary>
    /// Runs the enrollment. <paramref name="onSubmitted"/> is told the SHA-256 fingerprint of the certificate
    /// request once the CA holds it, in the form <c>puppetserver ca list</c> prints, so the CA admin can compare
    /// before signing. <paramref name="onAttempt"/> is told the number (from 1) of each certificate download.
    /// Failures, including the wait limit, throw <see cref="EnrollmentException"/>. A failure before the CA
    /// accepted the request removes the files this run wrote; after that they stay so a re-run continues.
    /// </summary>
    public async Task EnrollAsync(Action<int>? onAttempt, Action<string>? onSubmitted, CancellationToken cancellationToken)
    {
        if (IsEnrolled)
        {
            throw new EnrollmentException($"already enrolled: {_provider.PrivateKeyPath}, {_provider.CaPath} and {_provider.CertificatePath} exist");
        }

        var run = new RunState();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_options.WaitLimit);
        try
        {
            await RunStepsAsync(run, onAttempt, onSubmitted, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            RollBack(run);
            throw new EnrollmentException($"no signed certificate for {_provider.Identity} was received within {_options.WaitLimit.TotalSeconds:0} seconds");
        }
        catch (HttpRequestException e)
        {
            RollBack(run);
            throw new EnrollmentException($"could not communicate with the Puppet CA at {_options.Endpoint.BaseUri}: {e.Message}", e);
        }
        catch (Exception)
        {
            RollBack(run);
            throw;
        }
    }

    private async Task RunStepsAsync(RunState run, Action<int>? onAttempt, Action<string>? onSubmitted, CancellationToken cancellationToken)
    {
        _provider.CreateDirectories();
        using var key = LoadOrCreateKey(run);

        if (!File.Exists(_provider.CaPath))
        {
            await FetchCaAsync(cancellationToken).ConfigureAwait(false);
            run.Created.Add(_provider.CaPath);
        }

        var csrCreated = false;
        if (!File.Exists(_provider.CsrPath))
        {
            WriteCsr(key);
            run.Created.Add(_provider.CsrPath);
            csrCreated = true;
        }

        if (File.Exists(_provider.CertificatePath))
        {
            return;
        }

        var csrPem = await File.ReadAllTextAsync(_provider.CsrPath, cancellationToken).ConfigureAwait(false);
        using var client = CreateVerifiedClient(LoadCa());
        await SubmitCsrAsync(client, csrPem, csrCreated, cancellationToken).ConfigureAwait(false);

        // From here the CA holds a request for this key: keep everything so a re-run (or the CA admin) can finish.
        run.Accepted = true;
        onSubmitted?.Invoke(CsrFingerprint(csrPem));
        await PollCertificateAsync(client, key, onAttempt, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SHA-256 of the request's DER, upper-case hex pairs joined by colons, as <c>puppetserver ca list</c> shows it.</summary>
    public static string CsrFingerprint(string csrPem)
    {
        var der = PemEncoding.TryFind(csrPem, out var fields) ? Convert.FromBase64String(csrPem[fields.Base64Data]) : Encoding.ASCII.GetBytes(csrPem);
        return string.Join(':', Convert.ToHexString(SHA256.HashData(der)).Chunk(2).Select(pair => new string(pair)));
    }

    private void RollBack(RunState run)
    {
        if (run.Accepted)
        {
            return;
        }

        foreach (var path in run.Created)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogRollBackFailed(_logger, path, e.Message);
            }
        }
    }

    /// <summary>What one run wrote, and whether the CA accepted its request.</summary>
    private sealed class RunState
    {
        public List<string> Created { get; } = [];

        public bool Accepted { get; set; }
    }

    private RSA LoadOrCreateKey(RunState run)
    {
        if (!File.Exists(_provider.PrivateKeyPath))
        {
            var created = RSA.Create(2048);
            try
            {
                UnixFiles.WriteFile(_provider.PrivateKeyPath, Encoding.ASCII.GetBytes(created.ExportRSAPrivateKeyPem() + "\n"), UnixFiles.Mode0640);
                run.Created.Add(_provider.PrivateKeyPath);
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

    private async Task SubmitCsrAsync(HttpClient client, string csrPem, bool csrCreated, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, Url("certificate_request/" + Uri.EscapeDataString(_provider.Identity)))
        {
            Content = new ByteArrayContent(Encoding.ASCII.GetBytes(csrPem)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.OK)
        {
            LogCsrSubmitted(_logger, _provider.Identity);
            return;
        }

        var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();

        // A re-run after an earlier submission gets "already has a requested certificate" (or "... signed
        // certificate" once the admin signed it); polling still works then. Any other refusal of the same request
        // (name mismatch, upper case, SANs) will never turn into a certificate, so waiting for one would only hang.
        if (csrCreated || !CaHoldsRequest(body))
        {
            throw new EnrollmentException($"the Puppet CA refused the certificate request for {_provider.Identity}: {(int)response.StatusCode}: {body}{RefusalHint(body, csrCreated)}");
        }

        LogCsrRefused(_logger, (int)response.StatusCode, body);
    }

    private static bool CaHoldsRequest(string body) =>
        body.Contains("already has a requested certificate", StringComparison.Ordinal) ||
        body.Contains("already has a signed certificate", StringComparison.Ordinal);

    /// <summary>What to do about the Puppet CA answers documented in docs/security.md.</summary>
    private string RefusalHint(string body, bool csrCreated)
    {
        var clean = $"'puppetserver ca clean --certname {_provider.Identity}'";
        if (body.Contains("already has a signed certificate", StringComparison.Ordinal))
        {
            return $" (the CA signed another key under this name; revoke it on the CA with {clean} to enroll again)";
        }

        if (body.Contains("already has a requested certificate", StringComparison.Ordinal))
        {
            return $" (another key's request under this name is waiting on the CA; remove it there with {clean} to enroll again)";
        }

        if (body.Contains("must be lower case", StringComparison.Ordinal))
        {
            return " (use a lower case certname: --certname, MCOLLECTIVE_CERTNAME or identity)";
        }

        return csrCreated ? "" : $" (the existing request {_provider.CsrPath} was not made by choria enroll for this certname; remove it to create a new one)";
    }

    private async Task PollCertificateAsync(HttpClient client, RSA key, Action<int>? onAttempt, CancellationToken cancellationToken)
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
                    var received = ParseCertificates(body);
                    if (received.Count == 0)
                    {
                        throw new EnrollmentException("the certificate received from the Puppet CA is not a PEM certificate");
                    }

                    // The CA answers for the name, not for our key: after a re-run it may hold another key's certificate.
                    if (!MatchesKey(received[0], key))
                    {
                        throw new EnrollmentException(
                            $"the Puppet CA's certificate for {_provider.Identity} does not match the private key {_provider.PrivateKeyPath}; " +
                            $"revoke it on the CA with 'puppetserver ca clean --certname {_provider.Identity}' and enroll again");
                    }

                    UnixFiles.WriteFile(_provider.CertificatePath, Encoding.ASCII.GetBytes(body), UnixFiles.Mode0644);
                    return;
                }

                LogNotSigned(_logger, _provider.Identity, (int)response.StatusCode);
            }

            await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool MatchesKey(X509Certificate2 certificate, RSA key)
    {
        using var publicKey = certificate.GetRSAPublicKey();
        return publicKey is not null && publicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo());
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

    // A re-run after the wait limit is routine, hence not a warning.
    [LoggerMessage(Level = LogLevel.Information, Message = "The Puppet CA already holds this certificate request ({Status}: {Body}), waiting for the certificate")]
    private static partial void LogCsrRefused(ILogger logger, int status, string body);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove {Path} after the failed enrollment: {Reason}")]
    private static partial void LogRollBackFailed(ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "No certificate for {Certname} yet (HTTP {Status})")]
    private static partial void LogNotSigned(ILogger logger, string certname, int status);
}

using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Choria.Security.Dev;
using Choria.Security.Enrollment;

namespace Choria.Security.Tests.Enrollment;

#pragma warning disable CA1001 // xunit disposes through IAsyncLifetime.DisposeAsync
public sealed class PuppetCaEnrollerTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Certname = "node1.example.net";
    private const string Sha256WithRsa = "1.2.840.113549.1.1.11";

    private readonly TempDir _dir = new();
    private StubPuppetCa _ca = null!;
    private PuppetSecurityProvider _provider = null!;

    public async Task InitializeAsync()
    {
        _ca = new StubPuppetCa(_dir.Combine("stub"));
        _provider = await PuppetSecurityProvider.CreateAsync(
            new PuppetSecurityOptions { SslDir = _dir.Combine("ssl"), CertnameOverride = Certname },
            environment: new FakeEnvironment());
    }

    public async Task DisposeAsync()
    {
        await _ca.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Empty_ssldir_is_enrolled_end_to_end()
    {
        var attempts = new List<int>();
        await Enroller().EnrollAsync(attempts.Add, CancellationToken.None);

        var requests = _ca.Requests.ToArray();
        Assert.Equal(["GET", "PUT", "GET", "GET", "GET"], requests.Select(r => r.Method));

        // The stub's TLS certificate comes from a CA nobody trusts yet: this only succeeds unverified.
        Assert.Equal("/puppet-ca/v1/certificate/ca?environment=production", requests[0].Target);
        Assert.Equal("text/plain", requests[0].Headers["Accept"]);

        var put = requests[1];
        Assert.Equal($"/puppet-ca/v1/certificate_request/{Certname}?environment=production", put.Target);
        Assert.Equal("text/plain", put.Headers["Content-Type"]);
        Assert.Equal(PuppetCaEnroller.UserAgent, put.Headers["User-Agent"]);
        Assert.Equal(File.ReadAllText(_provider.CsrPath), put.Body);

        foreach (var get in requests[2..])
        {
            Assert.Equal($"/puppet-ca/v1/certificate/{Certname}?environment=production", get.Target);
            Assert.Equal(PuppetCaEnroller.UserAgent, get.Headers["User-Agent"]);
        }

        Assert.Equal([1, 2, 3], attempts);

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(_provider.PrivateKeyPath), StringComparison.Ordinal);
        using var key = RSA.Create();
        key.ImportFromPem(File.ReadAllText(_provider.PrivateKeyPath));
        Assert.Equal(2048, key.KeySize);

        AssertCsr(File.ReadAllText(_provider.CsrPath), key);
        Assert.Equal(_ca.CaPem, File.ReadAllText(_provider.CaPath));
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(_provider.CertificatePath));
        Assert.Equal(key.ExportRSAPublicKeyPem(), certificate.GetRSAPublicKey()!.ExportRSAPublicKeyPem());
        Assert.True(Enroller().IsEnrolled);

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFiles.Mode0640, File.GetUnixFileMode(_provider.PrivateKeyPath));
            Assert.Equal(UnixFiles.Mode0640, File.GetUnixFileMode(_provider.CsrPath));
            Assert.Equal(UnixFiles.Mode0644, File.GetUnixFileMode(_provider.CaPath));
            Assert.Equal(UnixFiles.Mode0644, File.GetUnixFileMode(_provider.CertificatePath));
            Assert.Equal(UnixFiles.Mode0771, File.GetUnixFileMode(_provider.SslDir));
            Assert.Equal(UnixFiles.Mode0750, File.GetUnixFileMode(Path.Combine(_provider.SslDir, "private_keys")));
            Assert.Equal(UnixFiles.Mode0755, File.GetUnixFileMode(Path.Combine(_provider.SslDir, "certs")));
        }

        // The result works as a puppet provider ssldir.
        Assert.Empty(_provider.ValidateFiles());
    }

    [Fact]
    public async Task Existing_key_is_reused()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_provider.PrivateKeyPath)!);
        using var existing = RSA.Create(2048);
        DevCertificateAuthority.WritePrivateKey(_provider.PrivateKeyPath, existing);
        var before = File.ReadAllText(_provider.PrivateKeyPath);

        await Enroller().EnrollAsync(null, CancellationToken.None);

        Assert.Equal(before, File.ReadAllText(_provider.PrivateKeyPath));
        AssertCsr(File.ReadAllText(_provider.CsrPath), existing);
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(_provider.CertificatePath));
        Assert.Equal(existing.ExportRSAPublicKeyPem(), certificate.GetRSAPublicKey()!.ExportRSAPublicKeyPem());
    }

    [Fact]
    public async Task Submission_is_verified_against_the_downloaded_ca()
    {
        using var other = DevCertificateAuthority.Create(_dir.Combine("other"), "Impostor CA");
        _ca.CaPem = File.ReadAllText(other.CaPath);

        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller().EnrollAsync(null, CancellationToken.None));
        Assert.Contains("could not communicate", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_ca.Requests, r => r.Method == "PUT");
        Assert.False(File.Exists(_provider.CertificatePath));
    }

    [Fact]
    public async Task Already_enrolled_is_refused_without_contacting_the_ca()
    {
        _ca.UnsignedAnswers = 0;
        await Enroller().EnrollAsync(null, CancellationToken.None);
        var count = _ca.Requests.Count;

        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller().EnrollAsync(null, CancellationToken.None));
        Assert.Contains("already enrolled", e.Message, StringComparison.Ordinal);
        Assert.Equal(count, _ca.Requests.Count);
    }

    [Fact]
    public async Task Unsigned_certificate_hits_the_wait_limit()
    {
        _ca.UnsignedAnswers = int.MaxValue;
        var attempts = 0;
        var enroller = Enroller(waitLimit: TimeSpan.FromSeconds(5));

        var e = await Assert.ThrowsAsync<EnrollmentException>(() => enroller.EnrollAsync(_ => attempts++, CancellationToken.None));
        Assert.Contains("within 5 seconds", e.Message, StringComparison.Ordinal);
        Assert.True(attempts >= 2, $"only {attempts} download attempts before the limit");
        Assert.False(File.Exists(_provider.CertificatePath));
    }

    [Fact]
    public async Task Caller_cancellation_is_not_reported_as_a_timeout()
    {
        _ca.UnsignedAnswers = int.MaxValue;
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Enroller().EnrollAsync(null, cts.Token));
    }

    [Fact]
    public async Task Refused_fresh_submission_is_fatal()
    {
        _ca.RefuseSubmission = "invalid CSR";
        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller().EnrollAsync(null, CancellationToken.None));
        Assert.Contains("400: invalid CSR", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_ca.Requests, r => r.Target.Contains("certificate/" + Certname, StringComparison.Ordinal));

        // Nothing the CA did not accept is left behind: a re-run starts from scratch instead of waiting on it.
        Assert.Empty(Directory.GetFiles(_provider.SslDir, "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Refused_resubmission_for_another_reason_is_fatal()
    {
        _ca.UnsignedAnswers = int.MaxValue;
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Enroller().EnrollAsync(_ => cts.Cancel(), cts.Token));

        _ca.RefuseSubmission = $"Instance name \"other\" does not match requested key \"{Certname}\"";
        var gets = _ca.Requests.Count(r => r.Method == "GET");
        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller().EnrollAsync(null, CancellationToken.None));

        Assert.Contains("does not match requested key", e.Message, StringComparison.Ordinal);
        Assert.Equal(gets, _ca.Requests.Count(r => r.Method == "GET"));
        Assert.True(File.Exists(_provider.CsrPath), "an earlier run's request is not ours to delete");
    }

    [Fact]
    public async Task Refused_resubmission_still_polls()
    {
        // First run: CSR submitted, then interrupted at the first download.
        _ca.UnsignedAnswers = int.MaxValue;
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Enroller().EnrollAsync(_ => cts.Cancel(), cts.Token));
        Assert.True(File.Exists(_provider.CsrPath));

        _ca.RefuseSubmission = $"{Certname} already has a requested certificate; ignoring certificate request";
        _ca.UnsignedAnswers = 0;
        await Enroller().EnrollAsync(null, CancellationToken.None);
        Assert.True(File.Exists(_provider.CertificatePath));
    }

    [Fact]
    public async Task Ca_download_failure_reports_the_body()
    {
        _ca.CaPem = "not a certificate";
        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller().EnrollAsync(null, CancellationToken.None));
        Assert.Contains("not a PEM certificate", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_provider.CaPath));
    }

    private PuppetCaEnroller Enroller(TimeSpan? waitLimit = null) => new(_provider, new PuppetCaEnrollerOptions
    {
        Endpoint = new PuppetCaEndpoint("localhost", _ca.Port),
        PollInterval = TimeSpan.FromMilliseconds(50),
        WaitLimit = waitLimit ?? TimeSpan.FromSeconds(20),
    });

    private static void AssertCsr(string pem, RSA key)
    {
        Assert.StartsWith("-----BEGIN CERTIFICATE REQUEST-----", pem, StringComparison.Ordinal);

        // Loading checks the self-signature.
        var request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default, RSASignaturePadding.Pkcs1);
        // Go's pkix.Name puts OU before CN in the DER sequence.
        var rdns = new List<string>();
        var sequence = new AsnReader(request.SubjectName.RawData, AsnEncodingRules.DER).ReadSequence();
        while (sequence.HasData)
        {
            var attribute = sequence.ReadSetOf().ReadSequence();
            rdns.Add(attribute.ReadObjectIdentifier() + "=" + attribute.ReadCharacterString(UniversalTagNumber.UTF8String));
        }

        Assert.Equal(["2.5.4.11=choria.io", "2.5.4.3=" + Certname], rdns);
        Assert.Empty(request.CertificateExtensions);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), request.PublicKey.ExportSubjectPublicKeyInfo());

        var der = PemEncoding.Find(pem);
        var reader = new AsnReader(Convert.FromBase64String(pem[der.Base64Data]), AsnEncodingRules.DER).ReadSequence();
        reader.ReadEncodedValue();
        Assert.Equal(Sha256WithRsa, reader.ReadSequence().ReadObjectIdentifier());
    }
}

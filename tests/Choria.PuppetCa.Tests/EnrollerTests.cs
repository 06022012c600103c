using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Choria.Security;
using Choria.Security.Enrollment;

namespace Choria.PuppetCa.Tests;

/// <summary>
/// <see cref="PuppetCaEnroller"/> in-process against the real CA, where the CLI's 250 s limit would make a test
/// wait too long: the wait limit, the re-run after it, and a request the admin cannot sign.
/// </summary>
[Collection(PuppetServerGroup.Name)]
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait("Requires", PuppetServerGroup.Requires)]
public sealed class EnrollerTests(PuppetCaFixture ca)
{
    [Fact]
    public async Task Unsigned_request_hits_the_wait_limit_and_a_rerun_picks_up_the_signed_certificate()
    {
        const string Certname = "slow.example.net";
        var provider = await Provider(Certname);

        // The limit covers the CA fetch and the submission too; a busy puppetserver can take seconds for those, so
        // it is long enough that the CA surely holds the request before it runs out.
        string? submitted = null;
        var e = await Assert.ThrowsAsync<EnrollmentException>(() => Enroller(provider, TimeSpan.FromSeconds(15)).EnrollAsync(null, f => submitted = f, CancellationToken.None));
        Assert.Equal($"no signed certificate for {Certname} was received within 15 seconds", e.Message);
        Assert.NotNull(submitted);

        // The CA holds the request: key and CSR stay so the next run continues with them.
        Assert.Equal(["certificate_requests/" + Certname + ".pem", "certs/ca.pem", "private_keys/" + Certname + ".pem"], PuppetCaFixture.FilesBelow(provider.SslDir));
        var key = File.ReadAllText(provider.PrivateKeyPath);

        await ca.Server.SignAsync(Certname);
        await Enroller(provider, TimeSpan.FromSeconds(60)).EnrollAsync(null, CancellationToken.None);

        Assert.Equal(key, File.ReadAllText(provider.PrivateKeyPath));
        ca.AssertIssued(provider.CertificatePath, provider.PrivateKeyPath, Certname);
    }

    [Fact]
    public async Task Request_with_alt_names_is_refused_by_the_admin_and_enrollment_times_out()
    {
        const string Certname = "altnames.example.net";
        var provider = await Provider(Certname);
        provider.CreateDirectories();
        using (var key = RSA.Create(2048))
        {
            var request = new CertificateRequest("CN=" + Certname, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(Certname);
            san.AddDnsName("alias.example.net");
            request.CertificateExtensions.Add(san.Build());
            File.WriteAllText(provider.PrivateKeyPath, key.ExportRSAPrivateKeyPem());
            File.WriteAllText(provider.CsrPath, request.CreateSigningRequestPem());
        }

        string? fingerprint = null;
        var enrolling = Enroller(provider, TimeSpan.FromSeconds(40)).EnrollAsync(null, f => fingerprint = f, CancellationToken.None);

        // Not autosigned, so the CA takes it as pending; the admin's sign is what refuses it.
        var sign = await WaitForPendingThenSignAsync(Certname);
        Assert.Equal(1, sign.ExitCode);
        Assert.Contains(
            $"CSR '{Certname}' contains extra subject alternative names (DNS:alias.example.net), which are disallowed. To allow subject alternative names, set allow-subject-alt-names to true in your ca.conf file.",
            sign.Stdout + sign.Stderr, StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<EnrollmentException>(() => enrolling);
        Assert.Equal($"no signed certificate for {Certname} was received within 40 seconds", e.Message);
        Assert.Equal(await ca.Server.ListedFingerprintAsync(Certname), fingerprint);
        Assert.False(File.Exists(provider.CertificatePath));
    }

    private async Task<ProcessResult> WaitForPendingThenSignAsync(string certname)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await ca.Server.ListedFingerprintAsync(certname) is not null)
            {
                return await ca.Server.CaAsync("sign", "--certname", certname);
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"no request for {certname} reached the CA");
    }

    private async Task<PuppetSecurityProvider> Provider(string certname) =>
        await PuppetSecurityProvider.CreateAsync(new PuppetSecurityOptions
        {
            SslDir = Path.Combine(await ca.NewDirAsync("lib"), "ssl"),
            CertnameOverride = certname,
        });

    private PuppetCaEnroller Enroller(PuppetSecurityProvider provider, TimeSpan waitLimit) => new(provider, new PuppetCaEnrollerOptions
    {
        Endpoint = new PuppetCaEndpoint(PuppetServerProcess.Host, ca.Server.Port),
        PollInterval = TimeSpan.FromSeconds(1),
        WaitLimit = waitLimit,
    });
}

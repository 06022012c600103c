using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Choria.PuppetCa.Tests;

/// <summary><c>choria enroll</c> (the real binary) against the real Puppet CA: what operators and CA admins see.</summary>
[Collection(PuppetServerGroup.Name)]
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait("Requires", PuppetServerGroup.Requires)]
public sealed class EnrollTests(PuppetCaFixture ca)
{
    private const string Error = "choria: error: Could not enroll: ";

    [Fact]
    public async Task Non_root_user_is_autosigned_at_once_into_their_home()
    {
        var home = await ca.NewDirAsync("home", forUser: true);
        var config = ca.WriteConfig(home, "ignored.example.net");
        const string Certname = "rip.mcollective";

        var result = await ca.RunAsUserAsync(home, "rip", "enroll", "--config", config);

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        var lines = result.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal($"Enrolling with the Security System using certname {Certname}", lines[0]);
        Assert.StartsWith("Certificate Request fingerprint (SHA256): ", lines[1], StringComparison.Ordinal);
        Assert.Equal($"Attempting to download certificate for {Certname}, try 1.", lines[2]);
        Assert.Equal(3, lines.Length);

        var ssl = Path.Combine(home, ".puppetlabs", "etc", "puppet", "ssl");
        Assert.Equal(
            ["certificate_requests/" + Certname + ".pem", "certs/ca.pem", "certs/" + Certname + ".pem", "private_keys/" + Certname + ".pem"],
            PuppetCaFixture.FilesBelow(ssl));
        ca.AssertIssued(Path.Combine(ssl, "certs", Certname + ".pem"), Path.Combine(ssl, "private_keys", Certname + ".pem"), Certname);
        Assert.Equal(File.ReadAllText(ca.Server.CaCertificatePath), File.ReadAllText(Path.Combine(ssl, "certs", "ca.pem")));
        Assert.Equal($"{PuppetCaFixture.UserId}", (await ManagedProcess.RunAsync("stat", ["-c", "%u", Path.Combine(ssl, "private_keys", Certname + ".pem")], TimeSpan.FromSeconds(30))).Stdout.Trim());

        // The CA signs with both EKUs, which Choria requires of clients and servers alike.
        using var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(ssl, "certs", Certname + ".pem")));
        var eku = Assert.Single(certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).Order(StringComparer.Ordinal));

        var again = await ca.RunAsUserAsync(home, "rip", "enroll", "--config", config);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"{Error}already enrolled as {Certname}, the key, CA and certificate all exist\n", again.Stderr);
    }

    [Fact]
    public async Task Root_server_waits_in_the_ssldir_puppet_reports_until_the_admin_signs()
    {
        const string Certname = "pending1.example.net";
        var puppetSslDir = await PuppetCaFixture.PuppetSslDirAsync();
        var ssl = await ca.NewDirAsync("root-ssl");
        var config = ca.WriteConfig(await ca.NewDirAsync("root"), Certname);

        await using var enroll = ca.StartAsRootInPuppetSslDir(puppetSslDir, ssl, "enroll", "--config", config);
        await enroll.WaitForOutputAsync($"Attempting to download certificate for {Certname}, try 1.", TimeSpan.FromMinutes(3));

        // What the operator is shown is what the CA admin sees before signing.
        var shown = enroll.Lines.Single(l => l.StartsWith("Certificate Request fingerprint (SHA256): ", StringComparison.Ordinal));
        Assert.Equal(await ca.Server.ListedFingerprintAsync(Certname), shown.Split(": ")[1]);

        Assert.Contains("Successfully signed certificate request for " + Certname, (await ca.Server.SignAsync(Certname)).Stdout, StringComparison.Ordinal);
        Assert.Equal(0, await enroll.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        Assert.Contains($"Attempting to download certificate for {Certname}, try 2.", enroll.Stdout, StringComparison.Ordinal);

        ca.AssertIssued(Path.Combine(ssl, "certs", Certname + ".pem"), Path.Combine(ssl, "private_keys", Certname + ".pem"), Certname);
        Assert.False(File.Exists(Path.Combine(puppetSslDir, "certs", Certname + ".pem")), "the machine's own ssldir was written");
    }

    [Fact]
    public async Task Second_key_for_a_pending_name_is_refused_and_leaves_nothing_behind()
    {
        const string Certname = "dup.example.net";
        var first = await ca.NewDirAsync("dup-first");
        var second = await ca.NewDirAsync("dup-second");

        await using var waiting = ManagedProcess.Start(ca.Choria, ["enroll", "--config", ca.WriteConfig(first, Certname, Path.Combine(first, "ssl"))], stdin: []);
        await waiting.WaitForOutputAsync("try 1.", TimeSpan.FromMinutes(2));

        var result = await ca.RunAsync("enroll", "--config", ca.WriteConfig(second, Certname, Path.Combine(second, "ssl")));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"{Error}the Puppet CA refused the certificate request for {Certname}: 400: {Certname} already has a requested certificate; ignoring certificate request " +
            $"(another key's request under this name is waiting on the CA; remove it there with 'puppetserver ca clean --certname {Certname}' to enroll again)\n",
            result.Stderr);
        Assert.Empty(PuppetCaFixture.FilesBelow(Path.Combine(second, "ssl")));

        // The first request is untouched and still gets its certificate.
        await ca.Server.SignAsync(Certname);
        Assert.Equal(0, await waiting.WaitForExitAsync(TimeSpan.FromMinutes(2)));
        ca.AssertIssued(Path.Combine(first, "ssl", "certs", Certname + ".pem"), Path.Combine(first, "ssl", "private_keys", Certname + ".pem"), Certname);
    }

    [Theory]
    [InlineData("Upper.auto.example.net", "Certificate names must be lower case. (use a lower case certname: --certname, MCOLLECTIVE_CERTNAME or identity)")]
    [InlineData(PuppetCaCertname, PuppetCaCertname + " already has a signed certificate; ignoring certificate request (the CA signed another key under this name; revoke it on the CA with 'puppetserver ca clean --certname " + PuppetCaCertname + "' to enroll again)")]
    public async Task Refused_request_exits_1_with_the_ca_answer_and_leaves_nothing_behind(string certname, string answer)
    {
        var dir = await ca.NewDirAsync("refused");
        var ssl = Path.Combine(dir, "ssl");

        var result = await ca.RunAsync("enroll", "--config", ca.WriteConfig(dir, "node.example.net", ssl), "--certname", certname);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{Error}the Puppet CA refused the certificate request for {certname}: 400: {answer}\n", result.Stderr);
        Assert.Empty(PuppetCaFixture.FilesBelow(ssl));
    }

    [Theory]
    [InlineData("mismatch.auto.example.net", "other.auto.example.net", false, "Instance name \"other.auto.example.net\" does not match requested key \"mismatch.auto.example.net\"")]
    [InlineData("san.auto.example.net", "san.auto.example.net", true, "CSR 'san.auto.example.net' contains extra subject alternative names (DNS:extra.example.net), which are disallowed. To allow subject alternative names, set allow-subject-alt-names to true in your ca.conf file. Then restart the puppetserver and try signing this certificate again.")]
    public async Task Existing_request_the_ca_refuses_fails_at_once_instead_of_waiting(string certname, string subject, bool extraSan, string answer)
    {
        var dir = await ca.NewDirAsync("existing-csr");
        var ssl = Path.Combine(dir, "ssl");
        var (keyPem, csrPem) = Request(subject, extraSan ? [subject, "extra.example.net"] : []);
        WriteExisting(ssl, certname, keyPem, csrPem);

        var result = await ca.RunAsync("enroll", "--config", ca.WriteConfig(dir, certname, ssl));

        Assert.Equal(1, result.ExitCode);
        var csrPath = Path.Combine(ssl, "certificate_requests", certname + ".pem");
        Assert.Equal(
            $"{Error}the Puppet CA refused the certificate request for {certname}: 400: {answer} " +
            $"(the existing request {csrPath} was not made by choria enroll for this certname; remove it to create a new one)\n",
            result.Stderr);

        // What was there before stays as it was; the CA certificate this run fetched is gone again.
        Assert.Equal(["certificate_requests/" + certname + ".pem", "private_keys/" + certname + ".pem"], PuppetCaFixture.FilesBelow(ssl));
        Assert.Equal(csrPem, File.ReadAllText(csrPath));
    }

    [Fact]
    public async Task Existing_key_is_reused()
    {
        const string Certname = "reuse.auto.example.net";
        var dir = await ca.NewDirAsync("reuse");
        var ssl = Path.Combine(dir, "ssl");
        var (keyPem, _) = Request(Certname, []);
        WriteExisting(ssl, Certname, keyPem, csrPem: null);

        var result = await ca.RunAsync("enroll", "--config", ca.WriteConfig(dir, Certname, ssl));

        Assert.True(result.ExitCode == 0, result.Stdout + result.Stderr);
        Assert.Equal(keyPem, File.ReadAllText(Path.Combine(ssl, "private_keys", Certname + ".pem")));
        ca.AssertIssued(Path.Combine(ssl, "certs", Certname + ".pem"), Path.Combine(ssl, "private_keys", Certname + ".pem"), Certname);
    }

    [Fact]
    public async Task Certificate_the_ca_holds_for_another_key_is_not_written()
    {
        const string Certname = "swap.auto.example.net";
        var winner = await ca.NewDirAsync("swap-winner");
        var won = await ca.RunAsync("enroll", "--config", ca.WriteConfig(winner, Certname, Path.Combine(winner, "ssl")));
        Assert.True(won.ExitCode == 0, won.Stdout + won.Stderr);

        // A second machine with its own key and a request left from an earlier run: the CA answers "already
        // has a signed certificate" (tolerated for a re-run) and then serves the winner's certificate.
        var loser = await ca.NewDirAsync("swap-loser");
        var ssl = Path.Combine(loser, "ssl");
        var (keyPem, csrPem) = Request(Certname, []);
        WriteExisting(ssl, Certname, keyPem, csrPem);

        var result = await ca.RunAsync("enroll", "--config", ca.WriteConfig(loser, Certname, ssl));

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"{Error}the Puppet CA's certificate for {Certname} does not match the private key {Path.Combine(ssl, "private_keys", Certname + ".pem")}; " +
            $"revoke it on the CA with 'puppetserver ca clean --certname {Certname}' and enroll again\n",
            result.Stderr);
        Assert.False(File.Exists(Path.Combine(ssl, "certs", Certname + ".pem")));
    }

    private const string PuppetCaCertname = "puppetca.test";

    /// <summary>A key and a CSR as another tool (or an older run) might have left them.</summary>
    private static (string KeyPem, string CsrPem) Request(string commonName, string[] dnsNames)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=" + commonName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        if (dnsNames.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in dnsNames)
            {
                san.AddDnsName(name);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        return (key.ExportRSAPrivateKeyPem() + "\n", request.CreateSigningRequestPem() + "\n");
    }

    private static void WriteExisting(string ssl, string certname, string keyPem, string? csrPem)
    {
        Directory.CreateDirectory(Path.Combine(ssl, "private_keys"));
        File.WriteAllText(Path.Combine(ssl, "private_keys", certname + ".pem"), keyPem);
        if (csrPem is not null)
        {
            Directory.CreateDirectory(Path.Combine(ssl, "certificate_requests"));
            File.WriteAllText(Path.Combine(ssl, "certificate_requests", certname + ".pem"), csrPem);
        }
    }
}

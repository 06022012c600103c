using System.Text.Json;
using Choria.Security.Dev;

namespace Choria.Security.Tests;

public sealed class CertificateDecisionTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static JsonElement Vectors(string name)
    {
        using var document = FixtureJson.Parse(TestPaths.Protocol("vectors_identity.json"));
        return document.RootElement.GetProperty(name).Clone();
    }

    public static TheoryData<int> ShouldCacheRows() => [.. Enumerable.Range(0, Vectors("should_cache_cases").GetArrayLength())];

    public static TheoryData<int> NameRows() => [.. Enumerable.Range(0, Vectors("verify_certificate_name_cases").GetArrayLength())];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Theory]
    [MemberData(nameof(ShouldCacheRows))]
    public void Should_cache_cases(int row)
    {
        var vector = Vectors("should_cache_cases")[row];
        var policy = Providers.TestPolicy;
        if (vector.TryGetProperty("allow_list", out var allow))
        {
            policy = policy with { CertnameAllowList = Strings(allow) };
        }

        var provider = Providers.Rip(_dir.Path, policy, ca: TestPaths.Protocol(vector.GetProperty("ca").GetString()!));
        var pem = File.ReadAllText(TestPaths.Protocol(vector.GetProperty("cert").GetString()!));
        var caller = vector.GetProperty("caller_certname").GetString()!;

        var decision = provider.ShouldCacheClientCert(pem, caller);

        Assert.Equal(vector.GetProperty("expect_cache").GetBoolean(), decision.Accept);
        if (vector.TryGetProperty("expect_privileged", out var privileged))
        {
            Assert.Equal(privileged.GetBoolean(), decision.Privileged);
        }

        if (vector.TryGetProperty("cache_name", out var name))
        {
            Assert.Equal(name.GetString(), decision.Name);
        }

        Assert.Equal(decision.Accept, decision.Reason == SecurityFailureReason.None);
    }

    [Fact]
    public void Should_cache_reasons_are_typed()
    {
        var provider = Providers.Rip(_dir.Path);
        Assert.Equal(SecurityFailureReason.ChainInvalid, provider.ShouldCacheClientCert(File.ReadAllText(TestPaths.Protocol("ssl/foreign.pem")), "foo").Reason);
        Assert.Equal(SecurityFailureReason.NameMismatch, provider.ShouldCacheClientCert(File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")), "bob").Reason);
        var strict = Providers.Rip(_dir.Path, Providers.TestPolicy with { CertnameAllowList = ["bob"] });
        Assert.Equal(SecurityFailureReason.NotAllowed, strict.ShouldCacheClientCert(File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")), "rip.mcollective").Reason);
    }

    [Theory]
    [MemberData(nameof(NameRows))]
    public void Verify_certificate_name_cases(int row)
    {
        var vector = Vectors("verify_certificate_name_cases")[row];
        var ca = vector.TryGetProperty("ca", out var caPath) ? TestPaths.Protocol(caPath.GetString()!) : TestPaths.Good("certs/ca.pem");
        var provider = Providers.Rip(_dir.Path, ca: ca);
        var result = provider.VerifyCertificate(File.ReadAllText(TestPaths.Protocol(vector.GetProperty("cert").GetString()!)), vector.GetProperty("name").GetString()!);
        Assert.Equal(vector.GetProperty("ok").GetBoolean(), result.Valid);
        if (vector.TryGetProperty("go_error", out var goError))
        {
            Assert.StartsWith(goError.GetString()!, result.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Email_name_is_rejected_when_certificate_has_no_email_san()
    {
        var provider = Providers.Rip(_dir.Path, ca: TestPaths.Protocol("ssl/intermediate/certs/ca_chain_ca.pem"));
        var result = provider.VerifyCertificate(File.ReadAllText(TestPaths.Protocol("ssl/intermediate/certs/ca_chain_rip.mcollective.pem")), "email:test@choria-io.com");
        Assert.Equal(SecurityFailureReason.NameMismatch, result.Reason);
    }

    [Fact]
    public void Intermediate_alone_in_ca_file_is_an_anchor()
    {
        var provider = Providers.Rip(_dir.Path, ca: TestPaths.Protocol("ssl/intermediate/intermediate.pem"));
        var pem = File.ReadAllText(TestPaths.Protocol("ssl/intermediate/certs/ca_chain_rip.mcollective.pem"));
        var result = provider.VerifyCertificate(pem, "rip.mcollective");
        Assert.True(result.Valid, result.Message);
        // The root alone cannot anchor a leaf whose intermediate is missing.
        var rootOnly = Providers.Rip(_dir.Path, ca: TestPaths.Protocol("ssl/intermediate/ca.pem"));
        Assert.Equal(SecurityFailureReason.ChainInvalid, rootOnly.VerifyCertificate(pem, "rip.mcollective").Reason);
    }

    [Fact]
    public void Privileged_listing_of_fixture_cache_is_sorted()
    {
        var listing = Vectors("privileged_cert_listing");
        var provider = Providers.Rip(TestPaths.Protocol(listing.GetProperty("cache_dir").GetString()!),
            Providers.TestPolicy with { PrivilegedUsers = Strings(listing.GetProperty("privileged_users")) });
        Assert.Equal(Strings(listing.GetProperty("expect_sorted")), provider.PrivilegedCertificateNames());
    }

    [Fact]
    public void Foreign_ca_certificate_is_rejected()
    {
        var provider = Providers.Rip(_dir.Path);
        var result = provider.VerifyCertificate(File.ReadAllText(TestPaths.Protocol("ssl/foreign.pem")), "rip.mcollective");
        Assert.Equal(SecurityFailureReason.ChainInvalid, result.Reason);
    }

    [Fact]
    public void Expired_certificate_is_rejected_when_evaluated_now()
    {
        var provider = Providers.Rip(_dir.Path, time: TimeProvider.System);
        var result = provider.VerifyCertificate(File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")), "rip.mcollective");
        Assert.Equal(SecurityFailureReason.CertificateNotTimeValid, result.Reason);
    }

    [Fact]
    public void Chain_verdict_cache_does_not_outlive_the_certificate()
    {
        var time = new TestClock(DateTimeOffset.FromUnixTimeSeconds(1578000000));
        var provider = Providers.Rip(_dir.Path, time: time);
        var pem = File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem"));
        Assert.True(provider.VerifyCertificate(pem, "rip.mcollective").Valid);
        time.Now = DateTimeOffset.UtcNow;
        Assert.Equal(SecurityFailureReason.CertificateNotTimeValid, provider.VerifyCertificate(pem, "rip.mcollective").Reason);
    }

    [Fact]
    public void Certificate_without_client_auth_eku_is_rejected()
    {
        using var ca = DevCertificateAuthority.Create(_dir.Combine("ca"));
        var serverOnly = ca.IssueCustomCertificate("web.mcollective", [], _dir.Combine("ssl"), clientAuth: false, notAfter: null);
        var good = ca.IssueCertificate("good.mcollective", [], _dir.Combine("ssl"));
        var provider = Providers.Rip(_dir.Combine("cache"), time: TimeProvider.System, ca: ca.CaPath);

        var rejected = provider.VerifyCertificate(File.ReadAllText(serverOnly.CertificatePath), "web.mcollective");
        Assert.Equal(SecurityFailureReason.ExtendedKeyUsageInvalid, rejected.Reason);
        Assert.True(provider.VerifyCertificate(File.ReadAllText(good.CertificatePath), "good.mcollective").Valid);
    }

    [Theory]
    [InlineData("node1.example.net", true)]
    [InlineData("NODE1.Example.Net", true)]
    [InlineData("x.wild.example.net", true)]
    [InlineData("a.x.wild.example.net", false)]
    [InlineData("wild.example.net", false)]
    [InlineData("good.mcollective", true)]
    [InlineData("other.example.net", false)]
    public void Hostname_rule_uses_san_dns_with_left_most_wildcard(string name, bool expected)
    {
        using var ca = DevCertificateAuthority.Create(_dir.Combine("ca"));
        var issued = ca.IssueCertificate("good.mcollective", ["node1.example.net", "*.wild.example.net"], _dir.Combine("ssl"));
        var provider = Providers.Rip(_dir.Combine("cache"), time: TimeProvider.System, ca: ca.CaPath);
        Assert.Equal(expected, provider.VerifyCertificate(File.ReadAllText(issued.CertificatePath), name).Valid);
    }

    [Fact]
    public void Cn_fallback_applies_case_insensitively_to_certificates_without_san()
    {
        var provider = Providers.Rip(_dir.Path);
        Assert.True(provider.VerifyCertificate(File.ReadAllText(TestPaths.Good("certs/rip.mcollective.pem")), "RIP.mcollective").Valid);
    }
}

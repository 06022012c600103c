using System.Security.Cryptography.X509Certificates;

namespace Choria.IntegrationTests.Provisioning;

/// <summary>What a provisioned node's directory holds (docs/provisioning.md): its configuration and a certificate from the main CA.</summary>
public static class ProvisionedNode
{
    /// <summary><paramref name="directory"/> has <c>server.conf</c> and <c>ssl/certificate.pem</c> written by the provisioner for <paramref name="identity"/>.</summary>
    public static async Task AssertConfiguredAsync(string directory, string identity, string caPath)
    {
        var config = await File.ReadAllTextAsync(Path.Combine(directory, "server.conf"));
        Assert.Contains($"identity={identity}", config, StringComparison.Ordinal);
        Assert.Contains("plugin.choria.server.provision=false", config, StringComparison.Ordinal);
        using var ca = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(caPath));
        using var certificate = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(directory, "ssl", "certificate.pem")));
        Assert.Equal($"CN={identity}", certificate.Subject);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(certificate), $"{identity}'s certificate is not signed by the main CA");
    }
}

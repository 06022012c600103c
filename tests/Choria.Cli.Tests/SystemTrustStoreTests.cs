using Choria.Cli.Hosting;

namespace Choria.Cli.Tests;

/// <summary>ADR 0015: the system trust store is hidden from a client's connections, and only while they are made.</summary>
public class SystemTrustStoreTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("/etc/ssl/certs/ca-certificates.crt")]
    public void The_native_environment_names_no_store_while_connecting_and_gets_its_value_back(string? before)
    {
        var saved = (SystemTrustStore.NativeValue("SSL_CERT_FILE"), SystemTrustStore.NativeValue("SSL_CERT_DIR"));
        try
        {
            Set("SSL_CERT_FILE", before);
            Set("SSL_CERT_DIR", null);
            using (SystemTrustStore.HiddenWhileConnecting())
            {
                Assert.Equal("", SystemTrustStore.NativeValue("SSL_CERT_FILE"));
                Assert.Equal("", SystemTrustStore.NativeValue("SSL_CERT_DIR"));
            }

            Assert.Equal(before, SystemTrustStore.NativeValue("SSL_CERT_FILE"));
            Assert.Null(SystemTrustStore.NativeValue("SSL_CERT_DIR"));
        }
        finally
        {
            Set("SSL_CERT_FILE", saved.Item1);
            Set("SSL_CERT_DIR", saved.Item2);
        }
    }

    private static void Set(string name, string? value) => SystemTrustStore.SetNative(name, value);
}

using System.Security.Cryptography;
using System.Text;

namespace Choria.Security.Tests;

public sealed class CryptoTests : IDisposable
{
    private readonly TempDir _cache = new();

    private static string Vector(string name)
    {
        using var document = FixtureJson.Parse(TestPaths.Protocol("vectors_crypto.json"));
        return document.RootElement.GetProperty(name).GetString()!;
    }

    public void Dispose() => _cache.Dispose();

    [Fact]
    public void Sha256_of_too_many_secrets_matches_vector()
    {
        Assert.Equal(Vector("sha256_too_many_secrets_b64"), SecurityAlgorithms.Sha256Base64("too many secrets"u8));
        Assert.Equal("Yk+jdKdZ3v8E2p6dmbfn+ZN9lBBAHEIcOMp4lzuYKTo=", SecurityAlgorithms.Sha256Base64("too many secrets"u8));
    }

    [Fact]
    public void Signing_reproduces_vector_and_verifies_against_rip_certificate()
    {
        var provider = Providers.Rip(_cache.Path);
        var signature = provider.SignToBase64("too many secrets"u8);
        Assert.Equal(Vector("sig_too_many_secrets_rip_b64"), signature);

        File.Copy(TestPaths.Good("certs/rip.mcollective.pem"), Path.Combine(_cache.Path, "rip.mcollective.pem"));
        Assert.True(provider.VerifySignature("too many secrets"u8, Convert.FromBase64String(signature), "rip.mcollective"));
        Assert.False(provider.VerifySignature("too many secrets"u8, "meh"u8, "rip.mcollective"));
        Assert.False(provider.VerifySignature("too many secretz"u8, Convert.FromBase64String(signature), "rip.mcollective"));
    }

    [Fact]
    public void Resigning_secure_request_message_reproduces_signature_and_reply_hash()
    {
        var provider = Providers.Rip(_cache.Path);
        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        Assert.Equal(request.Signature, provider.SignToBase64(Encoding.UTF8.GetBytes(request.Message)));
        Assert.Equal(Vector("request_signature_b64"), request.Signature);

        using var reply = FixtureJson.Parse(TestPaths.Protocol("messages", "v1_secure_reply.json"));
        var message = reply.RootElement.GetProperty("message").GetString()!;
        var hash = SecurityAlgorithms.Sha256Base64(Encoding.UTF8.GetBytes(message));
        Assert.Equal(reply.RootElement.GetProperty("hash").GetString(), hash);
        Assert.Equal(Vector("reply_hash_b64"), hash);
    }

    [Fact]
    public void Newline_wrapped_base64_decodes_like_unwrapped_and_wrapped_signature_verifies()
    {
        using var transport = FixtureJson.Parse(TestPaths.Protocol("messages", "v1_transport_request.json"));
        var data = transport.RootElement.GetProperty("data").GetString()!;
        var wrapped = string.Join("\n", data.Chunk(60).Select(c => new string(c))) + "\n";
        Assert.True(SecurityAlgorithms.TryDecodeBase64(data, out var plain));
        Assert.True(SecurityAlgorithms.TryDecodeBase64(wrapped, out var fromWrapped));
        Assert.Equal(plain, fromWrapped);

        var request = SecureRequestFields.FromMessageFile("v1_secure_request.json");
        var wrappedSignature = string.Join("\n", request.Signature.Chunk(60).Select(c => new string(c)));
        var result = Providers.Rip(_cache.Path).VerifySecureRequest(request.Message, wrappedSignature, request.Pubcert, request.CallerId);
        Assert.True(result.Valid, result.Message);
    }

    [Fact]
    public void Pkcs8_private_key_signs_identically_to_pkcs1()
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(File.ReadAllText(TestPaths.Good("private_keys/rip.mcollective.pem")));
        var pkcs8 = Path.Combine(_cache.Path, "key8.pem");
        File.WriteAllText(pkcs8, rsa.ExportPkcs8PrivateKeyPem());
        var provider = new FileSecurityProvider(new FileSecurityOptions
        {
            Certificate = TestPaths.Good("certs/rip.mcollective.pem"),
            Key = pkcs8,
            Ca = TestPaths.Good("certs/ca.pem"),
            CacheDirectory = _cache.Path,
            Identity = "rip.mcollective",
        }, new FakeEnvironment());
        Assert.Equal(Vector("sig_too_many_secrets_rip_b64"), provider.SignToBase64("too many secrets"u8));
    }

    [Fact]
    public void Missing_key_is_a_configuration_error_and_reported_by_validate()
    {
        var provider = new FileSecurityProvider(new FileSecurityOptions
        {
            Certificate = _cache.Combine("nope.pem"),
            Key = _cache.Combine("nokey.pem"),
            Ca = TestPaths.Good("certs/ca.pem"),
            CacheDirectory = _cache.Path,
        }, new FakeEnvironment());
        Assert.Throws<SecurityConfigurationException>(() => provider.Sign("x"u8));
        Assert.Throws<SecurityConfigurationException>(() => provider.PublicCertPem);
        var problems = provider.ValidateFiles();
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("nope.pem", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("nokey.pem", StringComparison.Ordinal));
        Assert.Empty(Providers.Rip(_cache.Path).ValidateFiles());
    }
}

using System.Text;
using System.Text.Json;

namespace Choria.Security.Tests;

public sealed class WireCaptureTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> RequestCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(TestPaths.Wire(), "*.bin").Order(StringComparer.Ordinal))
        {
            if (Secure(path).GetProperty("protocol").GetString() == "choria:secure:request:1")
            {
                data.Add(Path.GetFileName(path));
            }
        }

        return data;
    }

    private static JsonElement Secure(string path)
    {
        using var transport = JsonDocument.Parse(File.ReadAllBytes(path));
        // Ruby wraps the base64 at 60 columns; FromBase64String skips the newlines.
        var secure = Convert.FromBase64String(transport.RootElement.GetProperty("data").GetString()!);
        using var document = JsonDocument.Parse(secure);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Every_request_capture_is_found()
    {
        var captures = ((IEnumerable<object[]>)RequestCaptures()).Select(row => (string)row[0]).ToList();
        Assert.True(captures.Count >= 13, $"only {captures.Count} request captures");
        Assert.Contains(captures, c => c.StartsWith("24-", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(RequestCaptures))]
    public void Ruby_request_verifies_at_its_own_time(string file)
    {
        var request = SecureRequestFields.From(Secure(TestPaths.Wire(file)));
        var provider = Providers.Rip(_dir.Path, new SecurityPolicyOptions(), FixedTime.At(request.Time), TestPaths.Wire("test-ca.pem"));

        var result = provider.VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId);

        if (file.StartsWith("24-", StringComparison.Ordinal))
        {
            Assert.Equal(SecurityFailureReason.SignatureInvalid, result.Reason);
        }
        else
        {
            Assert.True(result.Valid, result.Message);
            Assert.True(provider.VerifyCertificate(request.Pubcert, "rip.mcollective").Valid);
            Assert.Contains('\n', request.Signature.TrimEnd('\n'));
        }
    }

    [Fact]
    public void Wire_certificate_is_rejected_by_the_fixture_ca()
    {
        var request = SecureRequestFields.From(Secure(TestPaths.Wire("05-rpc-request-direct-rpcutil-ping.bin")));
        var provider = Providers.Rip(_dir.Path, new SecurityPolicyOptions(), FixedTime.At(request.Time));
        Assert.Equal(SecurityFailureReason.ChainInvalid, provider.VerifySecureRequest(request.Message, request.Signature, request.Pubcert, request.CallerId).Reason);
        Assert.True(Encoding.UTF8.GetByteCount(request.Pubcert) > 0);
    }
}

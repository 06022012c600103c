using System.Security.Cryptography;
using Choria.Cli.Commands.Tool;
using Choria.Provisioner;

namespace Choria.Cli.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProvisioningToolsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "choria-jwt-" + Guid.NewGuid().ToString("N")[..10]);

    public ProvisioningToolsTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Tool_jwt_creates_an_rs256_token_that_validates_against_the_public_key()
    {
        using var key = RSA.Create(2048);
        var jwt = Path.Combine(_dir, "p.jwt");
        var now = DateTimeOffset.FromUnixTimeSeconds(1700000000);
        ToolJwtCommand.Create(jwt, key.ExportRSAPrivateKeyPem(), new ToolJwtCommand.JwtRequest
        {
            Token = "s3cret",
            Secure = false,
            Urls = ["p1:4222", "p2:4222"],
            ProvisionDefault = true,
            Facts = "/etc/f.json",
        }, now);

        var parts = File.ReadAllText(jwt).Split('.');
        Assert.Equal("""{"alg":"RS256","typ":"JWT"}""", System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[0])));
        Assert.Equal("""{"cht":"s3cret","chs":false,"chu":"p1:4222,p2:4222","chpd":true,"chf":"/etc/f.json","iat":1700000000,"iss":"choria cli","nbf":1700000000,"sub":"choria_provisioning"}""",
            System.Text.Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1])));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(jwt));

        var report = ToolJwtCommand.Validate(jwt, key.ExportSubjectPublicKeyInfoPem(), now);
        Assert.Equal($"""
            JWT Token {jwt}

                                     Token: set
                                    Secure: false
                                      URLS: p1:4222,p2:4222
                   Provisioning by default: true
                        Provisioning Facts: /etc/f.json
                          Standard Claims: {"{"}
                                             "iat": 1700000000,
                                             "iss": "choria cli",
                                             "nbf": 1700000000,
                                             "sub": "choria_provisioning"
                                           {"}"}

            """, report);

        using var other = RSA.Create(2048);
        var wrongKey = Assert.Throws<FormatException>(() => ToolJwtCommand.Validate(jwt, other.ExportSubjectPublicKeyInfoPem(), now));
        Assert.Equal("crypto/rsa: verification error", wrongKey.Message);
        Assert.Throws<FormatException>(() => ToolJwtCommand.Validate(jwt, key.ExportSubjectPublicKeyInfoPem(), now.AddSeconds(-10)));
    }

    [Fact]
    public void Tool_jwt_needs_urls_or_srv_and_refuses_hmac_tokens()
    {
        using var key = RSA.Create(2048);
        var ex = Assert.Throws<InvalidOperationException>(() => ToolJwtCommand.Create(Path.Combine(_dir, "x.jwt"), key.ExportRSAPrivateKeyPem(), new ToolJwtCommand.JwtRequest { Token = "t" }, DateTimeOffset.UtcNow));
        Assert.Equal("URLs or a SRV Domain is required", ex.Message);

        var hs256 = Path.Combine(_dir, "hs.jwt");
        File.Copy(TestPaths.Fixture("server", "provisioning", "valid_url.jwt"), hs256);
        var refused = Assert.Throws<FormatException>(() => ToolJwtCommand.Validate(hs256, key.ExportSubjectPublicKeyInfoPem(), DateTimeOffset.UtcNow));
        Assert.StartsWith("unsupported signing method HS256", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "helper_invalid")]
    [InlineData("[]", "helper_invalid")]
    [InlineData("""{"defer":true,"msg":"not today"}""", "helper_refused")]
    [InlineData("""{"configuration":{}}""", "helper_invalid")]
    [InlineData("""{"configuration":{"a":1}}""", "helper_invalid")]
    public void Unusable_helper_output_is_a_failure_with_its_reason(string output, string reason)
    {
        var ex = Assert.Throws<HelperException>(() => HelperRunner.Parse(output));
        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public async Task A_helper_that_exits_non_zero_fails_and_one_that_answers_is_read()
    {
        var failing = Path.Combine(_dir, "fail.sh");
        File.WriteAllText(failing, "#!/bin/sh\ncat >/dev/null\necho 'CA unreachable' >&2\nexit 3\n");
        File.SetUnixFileMode(failing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var ex = await Assert.ThrowsAsync<HelperException>(() => HelperRunner.RunAsync(failing, "{}"u8.ToArray(), TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.Equal("helper_failed", ex.Reason);
        Assert.Contains("exited with code 3: CA unreachable", ex.Message, StringComparison.Ordinal);

        var echo = Path.Combine(_dir, "ok.sh");
        File.WriteAllText(echo, "#!/bin/sh\nid=$(sed 's/.*\"identity\":\"\\([^\"]*\\)\".*/\\1/')\necho \"{\\\"configuration\\\":{\\\"identity\\\":\\\"$id\\\"},\\\"ssldir\\\":\\\"/s\\\"}\"\n");
        File.SetUnixFileMode(echo, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var result = await HelperRunner.RunAsync(echo, HelperRunner.Request("n1.example.net", null, null, "", null), TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Equal("n1.example.net", result.Configuration["identity"]);
        Assert.Equal("/s", result.SslDir);
    }
}

using System.Text.Json;

namespace Choria.Security.Tests;

internal static class FixtureJson
{
    public static JsonDocument Parse(string path) => JsonDocument.Parse(File.ReadAllBytes(path));
}

internal static class FixedTime
{
    public static TestClock At(long unixSeconds) => TestClock.AtUnix(unixSeconds);

    /// <summary>The moment the test PKI is valid at (tests/fixtures/README.md).</summary>
    public static TestClock Fixture => At(1578000000);
}

internal sealed class FakeEnvironment : ISecurityEnvironment
{
    public Dictionary<string, string> Variables { get; init; } = [];

    public bool IsRoot { get; init; } = true;

    public bool IsWindows { get; init; }

    public string? HomeDirectory { get; init; } = "/home/test";

    public string? GetVariable(string name) => Variables.GetValueOrDefault(name);
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "choria-sec-" + Guid.NewGuid().ToString("N"));

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}

internal static class Providers
{
    public static readonly SecurityPolicyOptions TestPolicy = new()
    {
        CertnameAllowList = [@"\.mcollective$"],
        PrivilegedUsers = [@"\.privileged.mcollective$"],
    };

    /// <summary>A file provider as rip.mcollective on the good fixture PKI with an empty cache in <paramref name="cache"/>.</summary>
    public static FileSecurityProvider Rip(string cache, SecurityPolicyOptions? policy = null, TimeProvider? time = null, string? ca = null) =>
        new(new FileSecurityOptions
        {
            Certificate = TestPaths.Good("certs/rip.mcollective.pem"),
            Key = TestPaths.Good("private_keys/rip.mcollective.pem"),
            Ca = ca ?? TestPaths.Good("certs/ca.pem"),
            CacheDirectory = cache,
            Identity = "rip.mcollective",
            Policy = policy ?? TestPolicy,
        }, new FakeEnvironment(), time ?? FixedTime.Fixture);
}

/// <summary>The fields of a <c>choria:secure:request:1</c> as the verifier needs them.</summary>
internal sealed record SecureRequestFields(string Message, string Signature, string Pubcert, string CallerId, long Time)
{
    public static SecureRequestFields From(JsonElement secure)
    {
        var message = secure.GetProperty("message").GetString()!;
        using var inner = JsonDocument.Parse(message);
        var envelope = inner.RootElement.GetProperty("envelope");
        return new SecureRequestFields(
            message,
            secure.GetProperty("signature").GetString()!,
            secure.GetProperty("pubcert").GetString()!,
            envelope.GetProperty("callerid").GetString()!,
            envelope.GetProperty("time").GetInt64());
    }

    public static SecureRequestFields FromMessageFile(string name)
    {
        using var document = FixtureJson.Parse(TestPaths.Protocol("messages", name));
        return From(document.RootElement);
    }
}

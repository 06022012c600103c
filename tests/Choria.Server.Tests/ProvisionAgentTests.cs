using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Choria.Config.Build;
using Choria.Server.Agents;
using Choria.Server.Provisioning;
using Microsoft.Extensions.Logging.Abstractions;

namespace Choria.Server.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ProvisionAgentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "choria-prov-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly FakeHost _host = new();

    public ProvisionAgentTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string ConfigFile => Path.Combine(_dir, "server.conf");

    private McorpcAgent Agent(bool provisioning = true, string token = "s3cret", string jwtFile = "", string configFile = "", int random = 3) =>
        ProvisionAgent.Create(new ProvisionAgentOptions
        {
            ProvisioningMode = provisioning,
            Token = token,
            ConfigFile = configFile.Length > 0 ? configFile : ConfigFile,
            Certname = "node1.example.net",
            JwtFile = jwtFile,
            Build = new BuildSettings { ProvisionBrokerUrls = "prov:4222", ProvisionDefault = true },
            ReprovisionSettings = [new("plugin.choria.server.provision", "1"), new("loglevel", "debug")],
        }, _host, new McorpcAgentOptions(), NullLogger.Instance, random: _ => random);

    private static (int Code, string Message, JsonElement Data) Result(JsonElement reply) =>
        (reply.GetProperty("statuscode").GetInt32(), reply.GetProperty("statusmsg").GetString()!, reply.GetProperty("data"));

    [Theory]
    [InlineData("gencsr", "{\"token\":\"wrong\"}")]
    [InlineData("configure", "{\"token\":\"wrong\",\"config\":\"{\\\"a\\\":\\\"b\\\"}\"}")]
    [InlineData("restart", "{\"token\":\"wrong\"}")]
    public async Task Wrong_token_is_refused_and_writes_nothing(string action, string data)
    {
        var (code, message, _) = Result(await AgentCall.RunAsync(Agent(), action, data));
        Assert.Equal(1, code);
        Assert.Equal("Incorrect provision token supplied", message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
        Assert.Empty(_host.Restarts);
    }

    [Fact]
    public async Task Outside_provisioning_mode_gencsr_and_configure_are_refused()
    {
        var agent = Agent(provisioning: false);
        Assert.Equal("Cannot reconfigure a server that is not in provisioning mode", Result(await AgentCall.RunAsync(agent, "gencsr", """{"token":"s3cret"}""")).Message);
        Assert.Equal("Cannot reconfigure a server that is not in provisioning mode", Result(await AgentCall.RunAsync(agent, "configure", """{"token":"s3cret","config":"{\"a\":\"b\"}"}""")).Message);
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }

    [Fact]
    public async Task Gencsr_writes_key_and_csr_with_their_modes()
    {
        var (code, _, data) = Result(await AgentCall.RunAsync(Agent(), "gencsr", """{"token":"s3cret","C":"GB","O":"Acme","OU":"Ops","L":"London"}"""));
        Assert.Equal(0, code);
        var ssl = Path.Combine(_dir, "ssl");
        Assert.Equal(ssl, data.GetProperty("ssldir").GetString());
        var csr = CertificateRequest.LoadSigningRequestPem(data.GetProperty("csr").GetString()!, System.Security.Cryptography.HashAlgorithmName.SHA256);
        Assert.Contains("CN=node1.example.net", csr.SubjectName.Name, StringComparison.Ordinal);
        Assert.Contains("O=Acme", csr.SubjectName.Name, StringComparison.Ordinal);
        Assert.Contains("C=GB", csr.SubjectName.Name, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(ssl, "csr.pem")), data.GetProperty("csr").GetString());
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(Path.Combine(ssl, "private.pem")), StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(Path.Combine(ssl, "private.pem")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(ssl, "csr.pem")));

        var named = Result(await AgentCall.RunAsync(Agent(), "gencsr", """{"token":"s3cret","cn":"other.example.net"}"""));
        Assert.Contains("CN=other.example.net", CertificateRequest.LoadSigningRequestPem(named.Data.GetProperty("csr").GetString()!, System.Security.Cryptography.HashAlgorithmName.SHA256).SubjectName.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configure_writes_the_settings_and_certificates_through_a_symlink_and_announces_it()
    {
        var real = Path.Combine(_dir, "real.conf");
        File.WriteAllText(real, "identity = old\n");
        File.CreateSymbolicLink(ConfigFile, real);
        var ssl = Path.Combine(_dir, "ssl");
        var data = File.ReadAllText(TestPaths.Fixture("server", "examples", "provision_configure_request_data.json")).Replace("/etc/choria/ssl", ssl, StringComparison.Ordinal)
            .Replace("\"token\":\"secret\"", "\"token\":\"s3cret\"", StringComparison.Ordinal);
        var (code, status, reply) = Result(await AgentCall.RunAsync(Agent(), "configure", data));
        Assert.True(code == 0, status);
        Assert.Equal($"Wrote 3 lines to {ConfigFile}", reply.GetProperty("message").GetString());
        Assert.True(new FileInfo(ConfigFile).LinkTarget is not null, "the symlink itself must stay");
        var lines = File.ReadAllLines(real);
        Assert.StartsWith("# configuration file written in request 4b5d2f1a9c3e4d7f8a6b0c1d2e3f4a5b from choria=rip.mcollective (client1.example.net) at ", lines[0], StringComparison.Ordinal);
        Assert.Equal(["identity=node1.example.net", "plugin.choria.middleware_hosts=broker1.example.net:4222"], lines[1..]);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(ssl, "certificate.pem")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(Path.Combine(ssl, "ca.pem")), StringComparison.Ordinal);
        Assert.Equal(1, _host.Provisioned);
    }

    [Theory]
    [InlineData("{\"identity\":1}", "Could not decode configuration data: the value of identity is a number, expected a string")]
    [InlineData("{\"a\":[\"b\"]}", "Could not decode configuration data: the value of a is an array, expected a string")]
    [InlineData("{\"identity\":\"x\\nplugin.choria.server.provision=true\"}", "Could not decode configuration data: setting identity cannot be written as one key=value line")]
    [InlineData("{\"loglevel\":\"noisy\"}", "Could not write config: generated configuration could not be parsed: ")]
    public async Task Bad_configuration_changes_nothing(string config, string error)
    {
        File.WriteAllText(ConfigFile, "identity = old\n");
        var data = JsonSerializer.Serialize(new Dictionary<string, string> { ["token"] = "s3cret", ["config"] = config, ["certificate"] = "-----BEGIN CERTIFICATE-----\nx\n", ["ca"] = "-----BEGIN CERTIFICATE-----\nx\n", ["ssldir"] = Path.Combine(_dir, "ssl") });
        var (code, message, _) = Result(await AgentCall.RunAsync(Agent(), "configure", data));
        Assert.True(code == 1, $"{code} {message}");
        Assert.StartsWith(error, message, StringComparison.Ordinal);
        Assert.Equal("identity = old\n", File.ReadAllText(ConfigFile));
        Assert.Equal([ConfigFile], Directory.GetFileSystemEntries(_dir));
        Assert.Equal(0, _host.Provisioned);
    }

    [Fact]
    public async Task Restart_needs_provisioning_or_a_token_and_a_configuration_that_leaves_provisioning()
    {
        Assert.Equal("Cannot restart a server that is not in provisioning mode or with no token set",
            Result(await AgentCall.RunAsync(Agent(provisioning: false, token: ""), "restart")).Message);

        File.WriteAllText(ConfigFile, "identity = n1\n");
        Assert.Equal($"Configuration {ConfigFile} enables provisioning, restart cannot continue",
            Result(await AgentCall.RunAsync(Agent(), "restart", """{"token":"s3cret"}""")).Message);
        Assert.Empty(_host.Restarts);

        File.WriteAllText(ConfigFile, "identity = n1\nplugin.choria.server.provision = false\n");
        var (code, _, data) = Result(await AgentCall.RunAsync(Agent(random: 4), "restart", """{"token":"s3cret","splay":5}"""));
        Assert.Equal(0, code);
        Assert.Equal("Restarting Choria Server after 6s", data.GetProperty("message").GetString());
        Assert.Equal([TimeSpan.FromSeconds(6)], _host.Restarts);
    }

    [Fact]
    public async Task Reprovision_writes_provisioning_settings_and_restarts()
    {
        Assert.Equal("Server is already in provisioning mode, cannot enable provisioning mode again",
            Result(await AgentCall.RunAsync(Agent(), "reprovision", """{"token":"s3cret"}""")).Message);

        File.WriteAllText(ConfigFile, "identity = n1\n");
        var (code, _, data) = Result(await AgentCall.RunAsync(Agent(provisioning: false, random: 0), "reprovision", """{"token":"s3cret"}"""));
        Assert.Equal(0, code);
        Assert.Equal("Restarting after 2s", data.GetProperty("message").GetString());
        Assert.Equal(["plugin.choria.server.provision=1", "loglevel=debug"], File.ReadAllLines(ConfigFile)[1..]);
        Assert.Equal([TimeSpan.FromSeconds(2)], _host.Restarts);
    }

    [Fact]
    public async Task Jwt_returns_the_file()
    {
        Assert.Equal("No Provisioning JWT file has been configured", Result(await AgentCall.RunAsync(Agent(), "jwt", """{"token":"s3cret"}""")).Message);
        var jwt = Path.Combine(_dir, "provisioning.jwt");
        Assert.Equal("Provisioning JWT file does not exist", Result(await AgentCall.RunAsync(Agent(jwtFile: jwt), "jwt", """{"token":"s3cret"}""")).Message);
        File.Copy(TestPaths.Fixture("server", "provisioning", "valid_url.jwt"), jwt);
        var (code, _, data) = Result(await AgentCall.RunAsync(Agent(jwtFile: jwt), "jwt", """{"token":"s3cret"}"""));
        Assert.Equal(0, code);
        Assert.Equal(File.ReadAllText(jwt), data.GetProperty("jwt").GetString());
    }

    private sealed class FakeHost : IProvisionHost
    {
        public List<TimeSpan> Restarts { get; } = [];

        public int Provisioned { get; private set; }

        public void ScheduleRestart(TimeSpan delay) => Restarts.Add(delay);

        public Task PublishProvisionedAsync(CancellationToken cancellationToken)
        {
            Provisioned++;
            return Task.CompletedTask;
        }
    }
}

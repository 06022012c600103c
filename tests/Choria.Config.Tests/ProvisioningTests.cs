using System.Text.RegularExpressions;
using Choria.Config.Build;

namespace Choria.Config.Tests;

public sealed class ProvisioningTests
{
    private static string Jwt(string name) => TestPaths.Fixture("server", "provisioning", name);

    private static BuildSettings WithJwt(string file) => new() { ProvisionJwtFile = file, ProvisionToken = "build-token", ProvisionBrokerUrls = "" };

    [Fact]
    public void Valid_url_jwt_sets_the_build_values()
    {
        var build = WithJwt(Jwt("valid_url.jwt"));
        Assert.Null(ProvisioningJwt.Apply(build));
        Assert.Equal("prov.example.net:4222", build.ProvisionBrokerUrls);
        Assert.Equal("", build.ProvisionBrokerSrvDomain);
        Assert.Equal("secret", build.ProvisionToken);
        Assert.True(build.ProvisionSecure);
        Assert.False(build.ProvisionDefault);
    }

    [Fact]
    public void Valid_srv_and_default_jwts_set_the_build_values()
    {
        var srv = WithJwt(Jwt("valid_srv.jwt"));
        Assert.Null(ProvisioningJwt.Apply(srv));
        Assert.Equal("example.net", srv.ProvisionBrokerSrvDomain);
        Assert.Equal("", srv.ProvisionBrokerUrls);

        var prov = WithJwt(Jwt("valid_prov_default.jwt"));
        Assert.Null(ProvisioningJwt.Apply(prov));
        Assert.True(prov.ProvisionDefault);
    }

    [Theory]
    [InlineData("invalid.jwt", "jwt parse error: token contains an invalid number of segments")]
    [InlineData("invalid_no_token.jwt", "no auth token")]
    [InlineData("invalid_no_url_or_srv.jwt", "no srv domain or urls")]
    [InlineData("invalid_url_and_srv.jwt", "both srv domain and URLs supplied")]
    public void Invalid_jwts_change_nothing(string file, string error)
    {
        var build = WithJwt(Jwt(file));
        Assert.Equal(error, ProvisioningJwt.Apply(build));
        Assert.Equal("build-token", build.ProvisionToken);
        Assert.Equal("", build.ProvisionBrokerUrls);
        Assert.False(build.ProvisionDefault);
    }

    [Fact]
    public void A_missing_jwt_file_is_not_an_error()
    {
        var build = WithJwt("/nonexistent/provisioning.jwt");
        Assert.Null(ProvisioningJwt.Apply(build));
        Assert.Equal("build-token", build.ProvisionToken);
    }

    [Fact]
    public void Claims_of_the_example_are_read()
    {
        var claims = File.ReadAllText(TestPaths.Fixture("server", "examples", "provisioning_jwt_claims_2020.json"));
        var token = "eyJhbGciOiJIUzI1NiJ9." + System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(claims)) + ".sig";
        var parsed = ProvisioningJwt.Parse(token);
        Assert.Equal("secret", parsed.Token);
        Assert.Equal("prov1.example.net:4222,prov2.example.net:4222", parsed.Urls);
        Assert.Equal("/etc/choria/provisioning-registration.json", parsed.RegistrationData);
        Assert.Equal("/etc/choria/provisioning-facts.json", parsed.Facts);
        Assert.True(parsed.ProvisionDefault);
    }

    private static ChoriaConfig Server(string text, BuildSettings build) =>
        ConfigLoader.LoadText(text, "server.conf", TestOptions.Make() with { Role = ConfigRole.Server, Build = build }).Config;

    [Fact]
    public void Mode_follows_the_explicit_setting_else_the_build_default()
    {
        var capable = new BuildSettings { ProvisionBrokerUrls = "prov:4222", ProvisionDefault = true };
        Assert.True(ProvisioningConfig.IsEnabled(Server("", capable)));
        Assert.False(ProvisioningConfig.IsEnabled(Server("plugin.choria.server.provision = false", capable)));
        Assert.True(ProvisioningConfig.IsEnabled(Server("plugin.choria.server.provision = 1", capable with { ProvisionDefault = false })));
        Assert.False(ProvisioningConfig.IsEnabled(Server("", capable with { ProvisionDefault = false })));

        // Not a provisioning build, or not a server: never.
        Assert.False(ProvisioningConfig.IsEnabled(Server("plugin.choria.server.provision = true", new BuildSettings())));
        var client = ConfigLoader.LoadText("", "client.conf", TestOptions.Make() with { Build = capable }).Config;
        Assert.False(ProvisioningConfig.IsEnabled(client));
    }

    [Fact]
    public void Provisioning_configuration_of_an_insecure_build()
    {
        var build = new BuildSettings
        {
            ProvisionBrokerUrls = "prov:4222",
            ProvisionSecure = false,
            ProvisionFacts = "/etc/choria/prov-facts.json",
            ProvisionRegistrationData = "/etc/choria/prov-reg.json",
            ProvisionStatusFile = "/var/run/choria-prov.status",
        };
        var config = ProvisioningConfig.Configure(Server("collectives = c1,c2\nregistration = inventory_content\nplugin.choria.federation.collectives = f1", build));
        Assert.Equal(["provisioning"], config.Collectives);
        Assert.Equal("provisioning", config.MainCollective);
        Assert.Empty(config.FederationCollectives);
        Assert.Equal(["file_content"], config.Registration);
        Assert.Equal(120, config.RegisterInterval);
        Assert.False(config.RegistrationSplay);
        Assert.Equal("provisioning", config.RegistrationCollective);
        Assert.Equal("choria.provisioning_data", config.GetString("plugin.choria.registration.file_content.target"));
        Assert.Equal("/etc/choria/prov-reg.json", config.GetString("plugin.choria.registration.file_content.data"));
        Assert.Equal(["/etc/choria/prov-facts.json"], config.FactSourceFiles);
        Assert.Equal("/var/run/choria-prov.status", config.StatusFilePath);
        Assert.Equal(10, config.StatusUpdateInterval);
        Assert.Equal("file", config.SecurityProvider);
        Assert.True(config.InsecureMode);
        Assert.True(config.DisableTls);
    }

    [Fact]
    public void Provisioning_configuration_of_a_secure_build_keeps_security_and_clears_registration()
    {
        var config = ProvisioningConfig.Configure(Server("registration = file_content\nplugin.security.provider = puppet", new BuildSettings { ProvisionBrokerUrls = "prov:4222" }));
        Assert.Empty(config.Registration);
        Assert.Equal("puppet", config.SecurityProvider);
        Assert.False(config.InsecureMode);
        Assert.False(config.DisableTls);
    }

    [Fact]
    public void Reprovision_settings_keep_logfile_and_file_content_registration()
    {
        var config = Server("logfile = /var/log/choria.log\nregistration = file_content\nplugin.choria.registration.file_content.data = /etc/choria/reg.json", new BuildSettings { ProvisionBrokerUrls = "p:1" });
        Assert.Equal(
            [new("plugin.choria.server.provision", "1"), new("loglevel", "debug"), new("logfile", "/var/log/choria.log"), new("registration", "file_content"), new("plugin.choria.registration.file_content.data", "/etc/choria/reg.json")],
            ProvisioningConfig.ReprovisionSettings(config));
        // The build's own registration data wins while provisioning, so the node's is not carried over.
        Assert.Equal(2, ProvisioningConfig.ReprovisionSettings(Server("registration = file_content\nplugin.choria.registration.file_content.data = /x", new BuildSettings { ProvisionRegistrationData = "/b" })).Count);
    }

    /// <summary>The generator writes the same stock values as the checked-in file, so a build without settings changes nothing.</summary>
    [Fact]
    public async Task Build_settings_script_and_stock_file_agree()
    {
        var script = await ManagedProcess.RunAsync("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "build-settings.sh")], TimeSpan.FromMinutes(1));
        Assert.Equal(0, script.ExitCode);
        var stock = await File.ReadAllTextAsync(Path.Combine(TestPaths.RepoRoot, "src", "Choria.Config", "Build", "BuildDefaults.cs"));
        static Dictionary<string, string> Constants(string cs) => Regex.Matches(cs, "public const string (\\w+) = \"(.*)\";")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        Assert.Equal(Constants(stock), Constants(script.Stdout));

        var custom = await ManagedProcess.RunAsync("bash",
            [Path.Combine(TestPaths.RepoRoot, "scripts", "build-settings.sh"), "github.com/choria-io/go-choria/build.ProvisionBrokerURLs=a:1,b:2", "ProvisionJWTFile=C:\\p \"q\""], TimeSpan.FromMinutes(1));
        Assert.Contains("public const string ProvisionBrokerURLs = \"a:1,b:2\";", custom.Stdout, StringComparison.Ordinal);
        Assert.Contains("public const string ProvisionJWTFile = \"C:\\\\p \\\"q\\\"\";", custom.Stdout, StringComparison.Ordinal);

        var unknown = await ManagedProcess.RunAsync("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "build-settings.sh"), "Nope=1"], TimeSpan.FromMinutes(1));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown build setting 'Nope'", unknown.Stderr, StringComparison.Ordinal);
    }
}

namespace Choria.Cli.Tests;

/// <summary>
/// <c>choria tool generate agent</c> writes the files; that they build, test and run inside choria is proven by the
/// slow round trip of Choria.IntegrationTests (PluginRoundTripTests).
/// </summary>
public sealed class ToolGenerateAgentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-genagent-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Writes_the_project_ddl_tests_and_the_user_plugins_line()
    {
        var target = Path.Combine(_dir, "my_agent");
        var (code, output, error) = await CliHarness.RunAsync("tool", "generate", "agent", "my_agent", target, "--namespace", "Acme.MyAgent", "--sdk", "/opt/sdk/Choria.Sdk.csproj");

        Assert.True(code == 0, error);
        Assert.Equal(
            ["Acme.MyAgent.csproj", "ChoriaPlugin.cs", "MyAgentAgent.cs", "my_agent.json", "tests/Acme.MyAgent.Tests.csproj", "tests/MyAgentAgentTests.cs", "user_plugins.yaml"],
            Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(target, f)).Order(StringComparer.Ordinal));
        Assert.Contains("public sealed class ChoriaPlugin() : AgentPlugin(\"my_agent\", \"0.1.0\", context => new MyAgentAgent(context));", File.ReadAllText(Path.Combine(target, "ChoriaPlugin.cs")), StringComparison.Ordinal);
        Assert.Contains("<RootNamespace>Acme.MyAgent</RootNamespace>", File.ReadAllText(Path.Combine(target, "Acme.MyAgent.csproj")), StringComparison.Ordinal);
        Assert.Contains($"<ProjectReference Include=\"{Path.GetRelativePath(target, "/opt/sdk/Choria.Sdk.csproj")}\" />", File.ReadAllText(Path.Combine(target, "Acme.MyAgent.csproj")), StringComparison.Ordinal);
        var ddl = Choria.Ddl.DdlLoader.LoadFile(Path.Combine(target, "my_agent.json"));
        Assert.True(ddl.Success, ddl.Error);
        Assert.Equal("my_agent", ddl.Ddl!.Metadata.Name);
        var line = File.ReadAllText(Path.Combine(target, "user_plugins.yaml")).Trim();
        Assert.EndsWith("my_agent/Acme.MyAgent.csproj", line, StringComparison.Ordinal);
        Assert.Contains(line, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("My-Agent", "invalid agent name 'My-Agent'")]
    [InlineData("ok", "exists and is not empty")]
    public async Task Refuses_bad_names_and_non_empty_directories(string name, string error)
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "keep.txt"), "x");

        var (code, _, stderr) = await CliHarness.RunAsync("tool", "generate", "agent", name, _dir);

        Assert.Equal(1, code);
        Assert.Contains(error, stderr, StringComparison.Ordinal);
    }
}

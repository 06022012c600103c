using System.Text.Json;
using Choria.IntegrationTests.Infrastructure;

namespace Choria.IntegrationTests.Plugins;

/// <summary>
/// The round trip a user makes (docs/plugins.md): in a copy of this checkout, <c>choria tool generate agent</c>,
/// add its line to <c>packager/user_plugins.yaml</c>, <c>./build.sh</c>, run the new binary as a server and call
/// the agent with <c>choria req</c>. Takes minutes (a whole Native AOT build), so it is in the slow group.
/// </summary>
[Trait(TestCategory.Name, TestCategory.Process)]
[Trait(TestCategory.Name, TestCategory.Slow)]
public sealed class PluginRoundTripTests : IAsyncLifetime
{
    private static readonly TimeSpan s_buildTimeout = TimeSpan.FromMinutes(25);
    private readonly string _clone = Path.Combine(Path.GetTempPath(), "choria-plugins-" + Guid.NewGuid().ToString("N")[..12]);

    public async Task InitializeAsync() => await CopyCheckoutAsync(TestPaths.RepoRoot, _clone);

    public Task DisposeAsync()
    {
        Directory.Delete(_clone, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_generated_agent_listed_in_user_plugins_is_compiled_in_listed_by_buildinfo_and_answers_requests()
    {
        // A binary built without the list has none of it.
        var stock = await ManagedProcess.RunAsync(ChoriaBinary.Path, ["buildinfo"], TimeSpan.FromSeconds(30));
        Assert.Contains("Compiled-in Plugins:\n\tnone\n", stock.Stdout, StringComparison.Ordinal);

        var project = Path.Combine(_clone, "plugins", "hello");
        var generated = await ManagedProcess.RunAsync(ChoriaBinary.Path, ["tool", "generate", "agent", "hello", project], TimeSpan.FromSeconds(30));
        Assert.True(generated.ExitCode == 0, generated.Stderr);
        Assert.Contains("hello: plugins/hello/Choria.Agents.Hello.csproj", generated.Stdout, StringComparison.Ordinal);
        File.Copy(Path.Combine(project, "user_plugins.yaml"), Path.Combine(_clone, "packager", "user_plugins.yaml"));

        var build = await ManagedProcess.RunAsync(Path.Combine(_clone, "build.sh"), [], s_buildTimeout);
        var buildOutput = build.Stdout + build.Stderr;
        Assert.True(build.ExitCode == 0, buildOutput);
        Assert.Contains(">> compiling in plugin hello (plugins/hello/Choria.Agents.Hello.csproj)", buildOutput, StringComparison.Ordinal);
        Assert.Contains("(native AOT,", buildOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("warning IL", buildOutput, StringComparison.Ordinal);

        var binary = Path.Combine(_clone, "dist", "choria");
        var info = await ManagedProcess.RunAsync(binary, ["buildinfo"], TimeSpan.FromSeconds(30));
        Assert.Contains("Compiled-in Plugins:\n\thello  agent  0.1.0\n", info.Stdout, StringComparison.Ordinal);

        await using var network = new ChoriaTestNetwork(binary);
        await network.StartBrokerAsync();
        var clientAgents = Directory.CreateDirectory(Path.Combine(network.Root, "client-lib", "mcollective", "agent")).FullName;
        File.Copy(Path.Combine(project, "hello.json"), Path.Combine(clientAgents, "hello.json"));
        var client = network.WriteClientConfig("rip.mcollective", $"libdir = {Path.Combine(network.Root, "client-lib")}\n");
        var server = await network.StartServerAsync("plug1.example.net", extraConfig: "plugin.hello.prefix = from-config\n");

        var (code, output) = await network.RunChoriaAsync(["req", "hello", "echo", "message=hi there", "-I", "plug1.example.net", "--json", "--config", client], TimeSpan.FromSeconds(40));
        Assert.True(code == 0, output);
        var reply = Assert.Single(Replies(output));
        Assert.Equal(0, reply.GetProperty("statuscode").GetInt32());
        var data = reply.GetProperty("data");
        Assert.Equal("hi there", data.GetProperty("message").GetString());
        Assert.Equal("plug1.example.net", data.GetProperty("identity").GetString());
        Assert.Equal("from-config", data.GetProperty("prefix").GetString());
        Assert.Contains(server.Process.Lines, l => l.Contains("echo for choria=rip.mcollective: 8 characters", StringComparison.Ordinal));

    }

    /// <summary>What a fresh clone has: the tracked files plus the ones not ignored, without build output.</summary>
    private static async Task CopyCheckoutAsync(string root, string target)
    {
        var files = await ManagedProcess.RunAsync("git", ["-C", root, "ls-files", "--cached", "--others", "--exclude-standard"], TimeSpan.FromSeconds(60));
        Assert.Equal(0, files.ExitCode);
        foreach (var file in files.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var from = Path.Combine(root, file);
            if (!File.Exists(from))
            {
                continue;
            }

            var to = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(from, to);
            if (OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(to, File.GetUnixFileMode(from));
            }
        }
    }

    private static List<JsonElement> Replies(string output)
    {
        var start = output.IndexOf('{', StringComparison.Ordinal);
        var end = output.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return [];
        }

        using var doc = JsonDocument.Parse(output[start..(end + 1)]);
        return [.. doc.RootElement.GetProperty("replies").EnumerateArray().Select(r => r.Clone())];
    }
}

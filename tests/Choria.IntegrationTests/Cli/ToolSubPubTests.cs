using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Choria.IntegrationTests.Cli;

/// <summary>End to end: the real binary's <c>tool sub</c> and <c>tool pub</c> against a real nats-server.</summary>
[Trait(TestCategory.Name, TestCategory.Process)]
public sealed class ToolSubPubTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(20);
    private NatsServerProcess _nats = null!;
    private ChoriaCli _cli = null!;

    public async Task InitializeAsync()
    {
        _nats = await NatsServerProcess.StartAsync();
        _cli = new ChoriaCli(_nats.HostPort);
    }

    public async Task DisposeAsync() => await _nats.DisposeAsync();

    public void Dispose() => _cli?.Dispose();

    [Fact]
    public async Task Sub_with_count_receives_messages_published_from_a_file_and_from_stdin()
    {
        await using var sub = _cli.Start("tool", "sub", "cli.test", "--count", "2");
        await sub.WaitForStdoutAsync($"Waiting for messages from topic cli.test on {_nats.Url}\n", s_wait);

        var file = _cli.WriteFile("msg.txt", "from a file");
        var fromFile = await _cli.RunAsync(["tool", "pub", "cli.test", "--input", file]);
        Assert.True(fromFile.ExitCode == 0, fromFile.Stderr);
        Assert.Equal($"Published 11 bytes to cli.test on {_nats.Url}\n", fromFile.Stdout);

        var fromStdin = await _cli.RunAsync(["tool", "pub", "cli.test"], Encoding.UTF8.GetBytes("from stdin"));
        Assert.True(fromStdin.ExitCode == 0, fromStdin.Stderr);
        Assert.Equal($"Published 10 bytes to cli.test on {_nats.Url}\n", fromStdin.Stdout);

        Assert.Equal(0, await sub.WaitForExitAsync(s_wait));
        var lines = sub.Stdout.Split('\n');
        Assert.Equal($"Waiting for messages from topic cli.test on {_nats.Url}", lines[0]);
        AssertHeader(lines[1], null);
        Assert.Equal("from a file", lines[2]);
        Assert.Equal("", lines[3]);
        AssertHeader(lines[4], null);
        Assert.Equal("from stdin", lines[5]);
        Assert.Equal("", lines[6]);
    }

    [Fact]
    public async Task Sub_names_the_actual_subject_when_a_wildcard_matched()
    {
        await using var sub = _cli.Start("tool", "sub", "cli.>", "--count", "1");
        await sub.WaitForStdoutAsync("Waiting for messages from topic cli.> on ", s_wait);

        var pub = await _cli.RunAsync(["tool", "pub", "cli.wild.card"], Encoding.UTF8.GetBytes("w"));
        Assert.True(pub.ExitCode == 0, pub.Stderr);

        Assert.Equal(0, await sub.WaitForExitAsync(s_wait));
        var lines = sub.Stdout.Split('\n');
        AssertHeader(lines[1], "cli.wild.card");
        Assert.Equal("w", lines[2]);
    }

    [Fact]
    public async Task Sub_json_prints_one_object_per_message()
    {
        await using var sub = _cli.Start("tool", "sub", "json.>", "--json", "--count", "1");
        var file = _cli.WriteFile("j.txt", "{\"x\":1} ü");
        await PublishUntilExitAsync(sub, ["tool", "pub", "json.one", "--input", file, "--reply", "reply.here"]);

        Assert.Equal(0, await sub.WaitForExitAsync(s_wait));
        var line = Assert.Single(sub.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal("json.one", root.GetProperty("subject").GetString());
        Assert.Equal("reply.here", root.GetProperty("reply").GetString());
        Assert.Equal("{\"x\":1} ü", root.GetProperty("data").GetString());
        var time = DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.Now - time, TimeSpan.Zero, s_wait);
    }

    [Fact]
    public async Task Sub_raw_prints_only_the_bodies()
    {
        await using var sub = _cli.Start("tool", "sub", "raw.test", "--raw", "--count", "1");
        await PublishUntilExitAsync(sub, ["tool", "pub", "raw.test", "--input", _cli.WriteFile("r.txt", "just the body")]);

        Assert.Equal(0, await sub.WaitForExitAsync(s_wait));
        Assert.Equal("just the body\n", sub.Stdout);
    }

    [Fact]
    public async Task Sub_timeout_ends_quietly_without_messages()
    {
        var sw = Stopwatch.StartNew();
        var result = await _cli.RunAsync(["tool", "sub", "quiet.test", "--timeout", "1s"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Equal($"Waiting for messages from topic quiet.test on {_nats.Url}\n", result.Stdout);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Sub_exits_0_on_sigterm()
    {
        await using var sub = _cli.Start("tool", "sub", "term.test");
        await sub.WaitForStdoutAsync("Waiting for messages from topic term.test on ", s_wait);

        var kill = await ManagedProcess.RunAsync("kill", ["-TERM", sub.Id.ToString(CultureInfo.InvariantCulture)], s_wait);
        Assert.Equal(0, kill.ExitCode);
        Assert.Equal(0, await sub.WaitForExitAsync(s_wait));
    }

    [Fact]
    public async Task Pub_with_a_missing_file_fails_clearly()
    {
        var missing = Path.Combine(Path.GetTempPath(), "choria-no-such-file-" + Guid.NewGuid());
        var result = await _cli.RunAsync(["tool", "pub", "x.y", "--input", missing]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Stderr, StringComparison.Ordinal);
        Assert.Contains(missing, result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Published", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pub_with_empty_stdin_fails_with_read_0_bytes()
    {
        var result = await _cli.RunAsync(["tool", "pub", "x.y"], []);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("read 0 bytes from input", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sub")]
    [InlineData("pub")]
    public async Task Broker_down_fails_within_the_connect_timeout(string tool)
    {
        using var cli = new ChoriaCli($"127.0.0.1:{FreePort.Next()}");
        var sw = Stopwatch.StartNew();
        var result = await cli.RunAsync(["tool", tool, "down.test", "--connect-timeout", "1s"], Encoding.UTF8.GetBytes("x"), TimeSpan.FromSeconds(15));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("could not connect to the Choria broker within 1s", result.Stderr, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }

    private static void AssertHeader(string line, string? actualSubject)
    {
        var expected = actualSubject is null ? @"^---- \d\d:\d\d:\d\d$" : $@"^---- \d\d:\d\d:\d\d on topic {actualSubject.Replace(".", @"\.", StringComparison.Ordinal)}$";
        Assert.Matches(expected, line);
    }

    // Without a banner (--raw, --json) there is no sign the subscription is live, so publish until it has
    // received and exited; --count 1 makes extra publishes harmless.
    private async Task PublishUntilExitAsync(ManagedProcess sub, string[] pubArgs)
    {
        var deadline = DateTime.UtcNow + s_wait;
        while (!sub.HasExited && DateTime.UtcNow < deadline)
        {
            var pub = await _cli.RunAsync(pubArgs);
            Assert.True(pub.ExitCode == 0, pub.Stderr);
            await Task.Delay(200);
        }
    }
}

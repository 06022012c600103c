using System.Text.Json;
using Choria.Framework.Logging;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Tests;

/// <summary>The <c>logfile</c> format: one go-choria style JSON object per line, appended.</summary>
public sealed class JsonFileLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("choria-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement[] Lines(string path) =>
        [.. File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement)];

    [Fact]
    public void Each_message_is_one_json_line_with_level_msg_time_and_component()
    {
        var path = Path.Combine(_dir, "sub", "server.log");
        File.WriteAllText(Path.Combine(_dir, "unrelated"), "");
        using (var provider = new JsonFileLoggerProvider(path))
        {
            var logger = provider.CreateLogger("Choria.Server.Agents.McorpcAgent");
            logger.LogInformation("Handling message {Id} for rpcutil#ping from {Caller}", "abc", "choria=rip.mcollective");
            logger.LogError(new InvalidOperationException("disk full"), "Could not write \"{File}\"", "/tmp/é");
            logger.LogDebug("line\nbreak");
        }

        var lines = Lines(path);
        Assert.Equal(3, lines.Length);
        Assert.Equal(["level", "msg", "time", "component"], lines[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("info", lines[0].GetProperty("level").GetString());
        Assert.Equal("Handling message abc for rpcutil#ping from choria=rip.mcollective", lines[0].GetProperty("msg").GetString());
        Assert.Equal("McorpcAgent", lines[0].GetProperty("component").GetString());
        Assert.True(DateTimeOffset.TryParse(lines[0].GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out var time));
        Assert.InRange(DateTimeOffset.Now - time, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal("error", lines[1].GetProperty("level").GetString());
        Assert.Equal("Could not write \"/tmp/é\": disk full", lines[1].GetProperty("msg").GetString());
        Assert.Contains("/tmp/é", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal("debug", lines[2].GetProperty("level").GetString());
        Assert.Equal("line\nbreak", lines[2].GetProperty("msg").GetString());
    }

    [Fact]
    public void A_second_provider_appends_and_lines_from_many_threads_stay_whole()
    {
        var path = Path.Combine(_dir, "server.log");
        using (var first = new JsonFileLoggerProvider(path))
        {
            first.CreateLogger("a").LogWarning("before");
        }

        using (var second = new JsonFileLoggerProvider(path))
        {
            var logger = second.CreateLogger("b");
            Parallel.For(0, 400, i => logger.LogInformation("message {I} {Padding}", i, new string('x', i * 200)));
        }

        var lines = Lines(path);
        Assert.Equal(401, lines.Length);
        Assert.Equal("warning", lines[0].GetProperty("level").GetString());
        Assert.Equal(400, lines.Skip(1).Select(l => l.GetProperty("msg").GetString()).Distinct().Count());
    }

    [Fact]
    public void A_message_after_dispose_is_dropped()
    {
        var path = Path.Combine(_dir, "server.log");
        var provider = new JsonFileLoggerProvider(path);
        var logger = provider.CreateLogger("a");
        provider.Dispose();

        logger.LogWarning("late");

        Assert.Empty(File.ReadAllText(path));
    }
}

using Choria.Broker.Network;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Tests;

public sealed class UnitTests
{
    [Theory]
    [InlineData("[123] [INF] Server is ready", LogLevel.Information, "Server is ready")]
    [InlineData("[123] [WRN] slow", LogLevel.Warning, "slow")]
    [InlineData("[9] [ERR] bad", LogLevel.Error, "bad")]
    [InlineData("[9] [FTL] Error listening on port", LogLevel.Critical, "Error listening on port")]
    [InlineData("[9] [DBG] d", LogLevel.Debug, "d")]
    [InlineData("[9] [TRC] t", LogLevel.Trace, "t")]
    [InlineData("nats-server: Parse error", LogLevel.Warning, "nats-server: Parse error")]
    public void Nats_log_levels_are_mapped(string line, LogLevel level, string message)
    {
        Assert.Equal((level, message), NatsLogLine.Parse(line));
    }

    [Fact]
    public void Go_durations_are_rendered()
    {
        Assert.Equal("5s", NatsServerConfigRenderer.GoDuration(TimeSpan.FromSeconds(5)));
        Assert.Equal("1500ms", NatsServerConfigRenderer.GoDuration(TimeSpan.FromMilliseconds(1500)));
    }
}

public sealed class NatsVersionTests
{
    [Theory]
    [InlineData("nats-server: v2.9.10", "2.9.10")]
    [InlineData("nats-server: v2.10.0-beta.1", "2.10.0")]
    public void Version_output_is_parsed(string output, string expected)
    {
        Assert.True(NatsVersion.TryParse(output, out var v));
        Assert.Equal(Version.Parse(expected), v);
    }

    [Fact]
    public void Garbage_is_not_a_version() => Assert.False(NatsVersion.TryParse("command not found", out _));
}

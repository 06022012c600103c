using Choria.Cli.Hosting;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Tests;

/// <summary>The logs of the connect a client command makes beside its validation (docs/client.md).</summary>
public class HeldLoggerFactoryTests
{
    [Fact]
    public void Entries_pass_straight_through_when_nothing_is_held()
    {
        var inner = new CapturingLoggerFactory();
        using var held = new HeldLoggerFactory(inner);

        held.CreateLogger("Choria.Connector").LogWarning("attempt 1 failed");

        Assert.Equal(["Warning: attempt 1 failed"], inner.Lines);
    }

    [Fact]
    public void Held_entries_are_written_in_order_once_released_to_write()
    {
        var inner = new CapturingLoggerFactory();
        using var held = new HeldLoggerFactory(inner);
        var connector = held.CreateLogger("Choria.Connector");
        var client = held.CreateLogger("Choria.Client");

        held.Hold();
        connector.LogWarning("attempt 1 failed");
        client.LogError("second");
        Assert.Empty(inner.Lines);

        held.Release(write: true);
        connector.LogWarning("after");

        Assert.Equal(["Warning: attempt 1 failed", "Error: second", "Warning: after"], inner.Lines);
    }

    [Fact]
    public void Held_entries_are_dropped_when_released_without_writing()
    {
        var inner = new CapturingLoggerFactory();
        using var held = new HeldLoggerFactory(inner);
        var connector = held.CreateLogger("Choria.Connector");

        held.Hold();
        connector.LogWarning("attempt 1 failed");
        held.Release(write: false);
        connector.LogWarning("later");

        Assert.Equal(["Warning: later"], inner.Lines);
    }
}

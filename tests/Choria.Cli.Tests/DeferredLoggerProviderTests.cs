using Choria.Framework.Logging;
using Microsoft.Extensions.Logging;

namespace Choria.Cli.Tests;

/// <summary>The stderr provider (and its writer thread) is only made when a message is actually written.</summary>
public sealed class DeferredLoggerProviderTests
{
    private static (LoggerFactory Factory, Recording Inner, Func<int> Made) Build(LogLevel minimum)
    {
        var inner = new Recording();
        var made = 0;
        var factory = new LoggerFactory([], new LoggerFilterOptions { MinLevel = minimum });
        factory.AddProvider(new DeferredLoggerProvider(() =>
        {
            made++;
            return inner;
        }));
        return (factory, inner, () => made);
    }

    [Fact]
    public void Loggers_scopes_and_filtered_messages_do_not_make_the_provider()
    {
        var (factory, _, made) = Build(LogLevel.Warning);
        using (factory)
        {
            var logger = factory.CreateLogger("Choria.Client");
            using (logger.BeginScope("request {Id}", 1))
            {
                logger.LogInformation("below the level");
                logger.LogDebug("below the level");
            }

            Assert.True(logger.IsEnabled(LogLevel.Error));
            Assert.Equal(0, made());
        }

        Assert.Equal(0, made());
    }

    [Fact]
    public void The_first_message_makes_the_provider_once_and_keeps_the_scopes_open_at_that_time()
    {
        var (factory, inner, made) = Build(LogLevel.Information);
        using (factory)
        {
            var client = factory.CreateLogger("Choria.Client");
            var connector = factory.CreateLogger("Choria.Connector");
            using (client.BeginScope("request 42"))
            {
                client.LogWarning("first");
            }

            connector.LogError("second");
            client.LogInformation("third");

            Assert.Equal(1, made());
            Assert.Equal(["Choria.Client: first [request 42]", "Choria.Connector: second []", "Choria.Client: third []"], inner.Lines);
        }

        Assert.True(inner.Disposed);
    }

    [Fact]
    public void Messages_after_dispose_are_dropped_without_making_the_provider()
    {
        var (factory, _, made) = Build(LogLevel.Information);
        var logger = factory.CreateLogger("Choria.Client");
        factory.Dispose();

        logger.LogWarning("too late");

        Assert.Equal(0, made());
    }

    private sealed class Recording : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public List<string> Lines { get; } = [];

        public bool Disposed { get; private set; }

        public ILogger CreateLogger(string categoryName) => new Line(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose() => Disposed = true;

        private sealed class Line(Recording owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                owner._scopes?.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? ""), scopes);
                owner.Lines.Add($"{category}: {formatter(state, exception)} [{string.Join(", ", scopes)}]");
            }
        }
    }
}

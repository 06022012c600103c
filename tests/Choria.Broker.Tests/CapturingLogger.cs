using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Choria.Broker.Tests;

/// <summary>Records every entry; loggers given the same <paramref name="entries"/> queue share it.</summary>
internal sealed class CapturingLogger<T>(ConcurrentQueue<(LogLevel Level, string Message)>? entries = null) : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = entries ?? new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>Every logger it creates writes into the one <see cref="Entries"/> queue.</summary>
internal sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger<CapturingLoggerFactory>(Entries);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}

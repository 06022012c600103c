namespace Choria.Ddl.Ruby;

/// <summary>What to run: program, arguments, standard input and limits.</summary>
public sealed record RubyProcessStart
{
    public required string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; } = [];

    public ReadOnlyMemory<byte> Stdin { get; init; }

    /// <summary>Extra environment variables; the rest of the environment is inherited (Ruby needs PATH and HOME).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    public int MaxStdoutBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Called with every line the process writes to standard error (from a reader thread).</summary>
    public Action<string>? OnStderrLine { get; init; }
}

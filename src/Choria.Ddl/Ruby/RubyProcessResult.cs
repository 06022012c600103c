namespace Choria.Ddl.Ruby;

/// <summary>What a <see cref="RubyProcess"/> run produced.</summary>
/// <param name="Stdout">Standard output, at most the requested number of bytes.</param>
/// <param name="StdoutTooLarge">Output went past the limit; the process was killed.</param>
/// <param name="TimedOut">The timeout expired; the process (and its children) were killed.</param>
/// <param name="StartError">The program could not be started at all (missing interpreter, no permission).</param>
/// <param name="StderrTail">The last lines of standard error, for error messages.</param>
public sealed record RubyProcessResult(byte[] Stdout, bool StdoutTooLarge, bool TimedOut, int? ExitCode, string? StartError, string StderrTail);

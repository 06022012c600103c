namespace Choria.Config;

/// <summary>A problem that does not stop loading, such as an unknown key. <see cref="Message"/> starts with <c>file:line:</c>.</summary>
public sealed record ConfigWarning(string File, int Line, string Key, string Message)
{
    public override string ToString() => Message;
}

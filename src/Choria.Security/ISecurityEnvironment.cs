namespace Choria.Security;

/// <summary>The process facts the certname rules depend on; injectable so tests can play root or a user.</summary>
public interface ISecurityEnvironment
{
    string? GetVariable(string name);

    bool IsRoot { get; }

    bool IsWindows { get; }

    string? HomeDirectory { get; }
}

namespace Choria.Framework;

/// <summary>A setup problem a user can fix (bad provider, no brokers, missing files); its message is shown as is.</summary>
public sealed class FrameworkException(string message, Exception? inner = null) : Exception(message, inner);

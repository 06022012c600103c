namespace Choria.Client;

/// <summary>How <c>--limit</c> chooses nodes (<c>rpclimitmethod</c>).</summary>
public enum LimitMethod
{
    First,
    Random,
}

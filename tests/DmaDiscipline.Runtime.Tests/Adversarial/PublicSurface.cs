using System.Reflection;

namespace DmaDiscipline.Runtime.Tests.Adversarial;

/// <summary>The runtime's public methods and constructors that take arguments, named as the bad-input table names them.</summary>
internal static class PublicSurface
{
    private static readonly HashSet<string> RecordMembers = ["Equals", "GetHashCode", "ToString", "Deconstruct", "PrintMembers", "<Clone>$", "CompareTo"];

    /// <summary><c>Type.Member(ParamType, …)</c> for every public constructor and method with parameters (accessors, operators and record plumbing excluded).</summary>
    public static SortedSet<string> Members()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (Type type in typeof(Machine).Assembly.GetExportedTypes())
        {
            if (type.IsEnum || typeof(Delegate).IsAssignableFrom(type) || typeof(Attribute).IsAssignableFrom(type))
            {
                continue;
            }

            const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (MethodBase member in type.GetConstructors(flags).Cast<MethodBase>().Concat(type.GetMethods(flags)))
            {
                if (member.IsSpecialName && member is MethodInfo || RecordMembers.Contains(member.Name) || member.GetParameters().Length == 0)
                {
                    continue; // property and event accessors, operators, record plumbing; nothing to validate without arguments
                }

                if (member is ConstructorInfo && member.GetParameters() is [{ } only] && only.ParameterType == type)
                {
                    continue; // a record's copy constructor
                }

                names.Add(NameOf(member));
            }
        }

        return names;
    }

    public static string NameOf(MethodBase member) =>
        $"{member.DeclaringType!.Name}.{(member is ConstructorInfo ? "ctor" : member.Name)}({string.Join(", ", member.GetParameters().Select(p => TypeName(p.ParameterType)))})";

    private static string TypeName(Type type) => type switch
    {
        { IsByRef: true } => TypeName(type.GetElementType()!) + "&",
        { IsGenericType: true } => $"{type.Name[..type.Name.IndexOf('`')]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>",
        _ when Nullable.GetUnderlyingType(type) is { } inner => TypeName(inner) + "?",
        _ => type.Name,
    };
}

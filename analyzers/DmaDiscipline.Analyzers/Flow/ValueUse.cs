using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Where a value goes, read up the operation tree through what keeps it the same address
    /// (conversions, parentheses, arithmetic, member reads such as <c>.Value</c>): the operation that
    /// takes it, or the local it is kept in. The rules decide which takers are a device's.
    /// </summary>
    internal static class ValueUse
    {
        /// <summary>
        /// The argument, assignment (whose value it is) or object creation that takes <paramref name="value"/>;
        /// null when something else does, or when it is kept in a local (then <paramref name="holder"/>).
        /// </summary>
        public static IOperation? Taker(IOperation value, out ILocalSymbol? holder)
        {
            holder = null;
            var current = value;
            for (var parent = value.Parent; parent is not null; current = parent, parent = parent.Parent)
            {
                switch (parent)
                {
                    case IConversionOperation _:
                    case IParenthesizedOperation _:
                    case IBinaryOperation _:
                    case IMemberReferenceOperation member when member.Instance == current:
                        continue;
                    case IArgumentOperation _:
                    case IObjectCreationOperation _:
                        return parent;
                    case ISimpleAssignmentOperation assignment when assignment.Value == current && assignment.Target is ILocalReferenceOperation local:
                        holder = local.Local;
                        return null;
                    case IAssignmentOperation assignment when assignment.Value == current:
                        return parent;
                    case IVariableInitializerOperation initializer when initializer.Parent is IVariableDeclaratorOperation declarator:
                        holder = declarator.Symbol;
                        return null;
                    default:
                        return null;
                }
            }

            return null;
        }

        /// <summary>The reads of <paramref name="local"/> in <paramref name="body"/> (not the writes).</summary>
        public static IEnumerable<ILocalReferenceOperation> ReadsOf(ILocalSymbol local, IOperation body)
        {
            foreach (var operation in body.Descendants())
            {
                if (operation is ILocalReferenceOperation read && SymbolEqualityComparer.Default.Equals(read.Local, local)
                    && !(read.Parent is IAssignmentOperation assignment && assignment.Target == read))
                {
                    yield return read;
                }
            }
        }
    }
}

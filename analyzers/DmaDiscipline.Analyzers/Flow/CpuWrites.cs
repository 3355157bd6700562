using System;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DmaDiscipline.Analyzers.Flow
{
    /// <summary>
    /// Whether a CPU access to a buffer's contents (its span or array, as the <c>cpu-access</c> member
    /// gives it) writes them. A device reading a <c>ToDevice</c> mapping does not mind the CPU reading
    /// the buffer, only writing it, so DMA005 tells the two apart there.
    /// </summary>
    /// <remarks>
    /// Followed from the access up: slices and ranges of it, an element assigned (<c>span[i] = v</c>,
    /// <c>+=</c>, <c>++</c>, a <c>ref</c>/<c>out</c> argument), <c>Clear</c> and <c>Fill</c> on it, and
    /// the access given to a parameter that receives bytes: a writable <c>Span&lt;T&gt;</c> or
    /// <c>Memory&lt;T&gt;</c>, or one named as a destination (<c>destination</c>, <c>dst</c>,
    /// <c>target</c>: <c>Array.Copy</c>, <c>Buffer.BlockCopy</c>). Not followed: the access stored in a
    /// local first and written through it, pointers taken from it (<c>fixed</c>), writes inside a callee
    /// given it as an array or an object; those count as reads.
    /// </remarks>
    internal static class CpuWrites
    {
        /// <summary>
        /// Whether <paramref name="access"/> writes the contents. A control-flow graph captures the
        /// receiver of a compound assignment (<c>span[i] |= v</c>) apart from the assignment, so the
        /// question is asked of the access as the syntax tree's operations have it, where the model is known.
        /// </summary>
        public static bool IsWrite(IOperation access, SemanticModel? model)
        {
            var current = model is not null && model.SyntaxTree == access.Syntax.SyntaxTree && Rules.DeepStack.Operation(model, access.Syntax) is { } original
                ? original
                : access;
            while (current.Parent is { } parent)
            {
                switch (parent)
                {
                    case IConversionOperation conversion:
                        if (IsReadOnlyView(conversion.Type))
                        {
                            return false;
                        }

                        current = parent;
                        continue;
                    case IArrayElementReferenceOperation element when element.ArrayReference == current:
                        return IsAssigned(element);
                    case IPropertyReferenceOperation indexer when indexer.Instance == current && indexer.Property.IsIndexer:
                        return IsAssigned(indexer);
                    case IImplicitIndexerReferenceOperation implicitIndexer when implicitIndexer.Instance == current:
                        if (implicitIndexer.Argument.Type is { } argumentType && argumentType.Name == "Range")
                        {
                            current = parent; // a slice: what is done with the slice
                            continue;
                        }

                        return IsAssigned(implicitIndexer);
                    case IInvocationOperation call when call.Instance == current:
                        switch (call.TargetMethod.Name)
                        {
                            case "Clear":
                            case "Fill":
                                return true;
                            case "Slice":
                            case "AsSpan":
                                current = parent;
                                continue;
                            default:
                                return false; // CopyTo, TryCopyTo, ToArray, SequenceEqual: the access is the source
                        }

                    case IArgumentOperation argument when argument.Parameter is { } parameter:
                        if (argument.Parameter.Ordinal == 0 && argument.Parent is IInvocationOperation { TargetMethod.IsExtensionMethod: true } extension)
                        {
                            // An extension's receiver (span.Slice(..), array.AsSpan(..), span.CopyTo(dest)).
                            var name = extension.TargetMethod.Name;
                            if (name == "AsSpan" || name == "AsMemory" || name == "Slice")
                            {
                                current = extension;
                                continue;
                            }

                            if (name == "Clear" || name == "Fill")
                            {
                                return true;
                            }
                        }

                        return ReceivesBytes(parameter);
                    default:
                        return false;
                }
            }

            return false;
        }

        private static bool IsAssigned(IOperation element) =>
            element.Parent switch
            {
                IAssignmentOperation assignment => assignment.Target == element,
                IIncrementOrDecrementOperation => true,
                IArgumentOperation argument => argument.Parameter is { RefKind: RefKind.Ref or RefKind.Out },
                _ => false,
            };

        private static bool ReceivesBytes(IParameterSymbol parameter)
        {
            if (parameter.RefKind == RefKind.Ref || parameter.RefKind == RefKind.Out)
            {
                return true;
            }

            if (parameter.RefKind == RefKind.In || IsReadOnlyView(parameter.Type))
            {
                return false;
            }

            var name = parameter.Name;
            if (name.StartsWith("source", StringComparison.OrdinalIgnoreCase) || name.StartsWith("src", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            return name.StartsWith("dest", StringComparison.OrdinalIgnoreCase) || name.StartsWith("dst", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("target", StringComparison.OrdinalIgnoreCase)
                || (parameter.Type is INamedTypeSymbol { IsGenericType: true } generic && (generic.Name == "Span" || generic.Name == "Memory")
                    && generic.ContainingNamespace?.ToDisplayString() == "System");
        }

        private static bool IsReadOnlyView(ITypeSymbol? type) =>
            type is INamedTypeSymbol { IsGenericType: true } generic && (generic.Name == "ReadOnlySpan" || generic.Name == "ReadOnlyMemory")
            && generic.ContainingNamespace?.ToDisplayString() == "System";
    }
}

package weft.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * What went wrong with a file, said for an operator: the JDK's exceptions for files carry only the path as their
 * message ({@code /tmp/x}), which reads as no reason at all. Stateless.
 */
final class FileProblem {
    private FileProblem() {
    }

    /** Why {@code e} happened, without the path (the caller names the file): "no such file", "permission denied". */
    static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file or directory" + other(n);
            case FileAlreadyExistsException f -> "it exists and is not a directory" + other(f);
            case AccessDeniedException a -> "permission denied" + other(a);
            case NotDirectoryException d -> "a part of the path is not a directory";
            case FileSystemException f when f.getReason() != null -> f.getReason();
            default -> e.getMessage() == null ? e.toString() : e.getMessage();
        };
    }

    /** The kernel's reason and the operation's other file (a link target, say), when the exception has them. */
    private static String other(FileSystemException e) {
        String more = e.getReason() != null ? " (" + e.getReason() + ")" : "";
        return e.getOtherFile() == null ? more : more + " (and " + e.getOtherFile() + ")";
    }
}

package dev.annotate.core.pipeline;

import dev.annotate.core.pipeline.PreAnnotator.Failure;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The images under a folder, found in one walk: every folder (links followed) with the images directly in it,
 * sorted by name. A run counts, checks and streams from this one listing, so its total is the number of images it
 * handles, and a link loop or an unreadable folder is reported once. Names only are kept (some tens of bytes an
 * image), not the images.
 */
final class ImageTree {

    /**
     * A folder holding images.
     *
     * @param dir the folder
     * @param images the images' file names, sorted
     */
    record Folder(Path dir, List<String> images) {
        /** The images' paths, in order. */
        List<Path> paths() {
            return images.stream().map(dir::resolve).toList();
        }
    }

    private final List<Folder> folders;
    private final long total;

    private ImageTree(List<Folder> folders) {
        this.folders = List.copyOf(folders);
        this.total = folders.stream().mapToLong(f -> f.images().size()).sum();
    }

    /** The folders holding images, in walk order. */
    List<Folder> folders() {
        return folders;
    }

    /** How many images. */
    long total() {
        return total;
    }

    /**
     * Walks {@code root}.
     *
     * @param failures where a loop, or a folder or entry that cannot be read, is reported (the walk goes on)
     * @throws IOException if the root itself cannot be read
     */
    static ImageTree walk(Path root, List<Failure> failures) throws IOException {
        List<Folder> folders = new ArrayList<>();
        Files.walkFileTree(root, java.util.EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                        try {
                            List<String> images = imagesIn(dir);
                            if (!images.isEmpty()) {
                                folders.add(new Folder(dir, images));
                            }
                        } catch (IOException e) {
                            failures.add(new Failure(dir, dir + ": directory cannot be listed: " + why(e)));
                        }
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        failures.add(new Failure(file, e instanceof FileSystemLoopException
                                ? file + ": symbolic link loop (back to " + realPath(file) + "); not followed"
                                : file + ": cannot be read: " + why(e)));
                        return FileVisitResult.CONTINUE;
                    }
                });
        return new ImageTree(folders);
    }

    /** The images directly in a directory, by name, sorted. */
    private static List<String> imagesIn(Path dir) throws IOException {
        List<Path> images = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (PreAnnotator.isImageFileName(p.getFileName().toString()) && Files.isRegularFile(p)) {
                    images.add(p);
                }
            }
        }
        Collections.sort(images); // the file system's order of paths
        return images.stream().map(p -> p.getFileName().toString()).toList();
    }

    private static String why(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    private static String realPath(Path link) {
        try {
            return link.toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return "a folder above it";
        }
    }
}

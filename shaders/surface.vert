// Translucent boundary surfaces (smile_viewer._vispy.visuals.surfaces.BoundarySurfaceVisual):
// magnetopause and bow shock. Positions and normals in the visual's frame (R_E); the eye
// direction is found per vertex like earth.vert does, so perspective is accounted for.
attribute vec3 a_position;
attribute vec3 a_normal;

varying vec3 v_normal;     // outward unit normal, visual frame
varying vec3 v_eye;        // unit vector from the surface towards the viewer, visual frame
varying vec3 v_position;   // R_E, visual frame (for the constant-X rings)

void main() {
    v_normal = a_normal;
    v_position = a_position;
    gl_Position = $transform(vec4(a_position, 1.0));

    vec4 pos_doc = $visual_to_doc(vec4(a_position, 1.0));
    pos_doc /= pos_doc.w;
    vec4 front = pos_doc;
    vec4 back = pos_doc;
    front.z -= 1e-5;
    back.z += 1e-5;
    front = $doc_to_visual(front);
    back = $doc_to_visual(back);
    v_eye = normalize(front.xyz / front.w - back.xyz / back.w);
}
